"""Which services a command works on, and where their database, queues and HTTP are.

Each service reads the unprefixed DATABASE_URL as its own database, so one environment names
one database: a command over several services takes `<SERVICE>_DATABASE_URL` for each (the
local default `portal_<service>` otherwise), and refuses to take DATABASE_URL for all five.
"""

import importlib
import os
from pathlib import Path

from services.billing.settings import BillingSettings
from services.documents.settings import DocumentsSettings
from services.identity.settings import IdentitySettings
from services.notify.settings import NotifySettings
from services.signing.settings import SigningSettings
from shared.bus import BusNames
from shared.service import ServiceSpec, broker_use
from shared.service import migration_tracks as service_tracks
from shared.settings import SERVICE_PORTS, ServiceSettings

SERVICES = tuple(SERVICE_PORTS)
SETTINGS: dict[str, type[ServiceSettings]] = {
    "identity": IdentitySettings,
    "documents": DocumentsSettings,
    "signing": SigningSettings,
    "notify": NotifySettings,
    "billing": BillingSettings,
}


class UnknownService(ValueError):
    pass


def chosen(service: str | None) -> list[str]:
    """The one service named, or all of them (then each database must be named apart)."""
    if service is not None:
        if service not in SERVICES:
            raise UnknownService(f"no service {service!r}; one of {', '.join(SERVICES)}")
        return [service]
    unnamed = [name for name in SERVICES if not os.environ.get(_database_variable(name))]
    if os.environ.get("DATABASE_URL") and unnamed:
        raise UnknownService(
            "DATABASE_URL names one service's database: name the service, or set "
            + ", ".join(_database_variable(name) for name in unnamed)
        )
    return list(SERVICES)


def spec_of(service: str) -> ServiceSpec:
    """The service's spec, imported only by the commands that need it: a composition root
    imports all of its service (signing's, pyHanko), seconds that `check` need not wait."""
    spec = importlib.import_module(f"services.{service}.app").SPEC
    assert isinstance(spec, ServiceSpec)
    return spec


def settings_of(service: str) -> ServiceSettings:
    """The service's settings from the environment, its database from
    `<SERVICE>_DATABASE_URL` when that is set."""
    settings = SETTINGS[service]
    override = os.environ.get(_database_variable(service))
    return settings(database_url=override) if override else settings()


def migration_tracks(service: str) -> list[tuple[str, Path]]:
    """The tracks a service applies at start, in the same order."""
    return service_tracks(spec_of(service))


def work_queues(service: str, names: BusNames) -> list[str]:
    """The service's consumed queues (each has a `.dlq`), as the kit names them."""
    return [names.queue(service, purpose) for purpose in broker_use(spec_of(service)).consumes]


def url_of(service: str) -> str:
    """`<SERVICE>_URL`, else the service's local address."""
    default = f"http://127.0.0.1:{SERVICE_PORTS[service]}"
    return os.environ.get(f"{service.upper()}_URL", default).rstrip("/")


def _database_variable(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"
