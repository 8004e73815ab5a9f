"""No secret in the gateway's logs: a signing link's token is redacted from the access log in
every spelling that reaches a sign route, exactly as the services redact it (shared/logs.py),
and the error log writes none. Real nginx in front of stand-in services."""

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.logs import redact_path
from shared.settings import SERVICE_PORTS, ServiceSettings
from tests.deploy.gateway import free_port, local_values, logged_requests, nginx_running, send

TOKEN = "Tok3n_f0r-the-logs"
SECRET_PARAMETERS = {"token"}
# A firm's portal address is public: it is printed on invoices and in mails.
PLAIN_PARAMETERS = {"index", "number", "month", "slug"}


def _route_paths() -> set[str]:
    """Every route of the five services, as its template (`/api/v1/sign/{token}/code`)."""
    paths = set()
    for service in SERVICE_PORTS:
        settings = importlib.import_module(f"services.{service}.settings")
        (cls,) = [
            v for v in vars(settings).values()
            if isinstance(v, type) and issubclass(v, ServiceSettings)
            and getattr(v, "service", None) == service
        ]  # fmt: skip
        app = importlib.import_module(f"services.{service}.app").create_app(cls())
        paths |= {resource.canonical for resource in app.router.resources()}
    return paths


ROUTES = _route_paths()
SECRET_ROUTES = sorted(p for p in ROUTES if set(re.findall(r"\{(\w+)", p)) & SECRET_PARAMETERS)


def _filled(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: TOKEN if m.group(1) == "token" else "1", template)


@pytest.fixture
def gateway(tmp_path: Path, stand_ins: dict[str, int]) -> Iterator[tuple[int, Path]]:
    port = free_port()
    with nginx_running(tmp_path / "gw", local_values(port, stand_ins), port) as prefix:
        yield port, prefix


def test_only_the_signing_token_is_a_secret_in_a_path() -> None:
    """A new path parameter must be named for what it is: an id, or one of the known plain
    values. A secret one would need redacting here, in shared/logs.py and in the gateway."""
    names = {name for path in ROUTES for name in re.findall(r"\{(\w+)", path)}
    plain = names - SECRET_PARAMETERS
    assert all(n.endswith("_id") or n in PLAIN_PARAMETERS for n in plain), plain
    assert SECRET_ROUTES
    assert all(p.startswith("/api/v1/sign/{token}") for p in SECRET_ROUTES)


async def test_the_access_log_redacts_the_token_of_every_route_that_has_one(
    gateway: tuple[int, Path],
) -> None:
    port, prefix = gateway
    sent = [_filled(p) for p in SECRET_ROUTES] + [_filled(SECRET_ROUTES[0]) + "?page=2"]
    for path in sent:
        status, _, body = send(port, "GET", path)
        assert status == 200
        assert json.loads(body)["path"] == path  # the service still gets the token

    logged = [entry["uri"] for entry in await logged_requests(prefix, len(sent))]
    # nginx's workers each buffer their own log lines: the order across them is not kept.
    assert sorted(logged) == sorted(redact_path(path) for path in sent)
    assert all(u.startswith("/api/v1/sign/[redacted]") and TOKEN not in u for u in logged)
    assert "/api/v1/sign/[redacted]/document" in logged
    assert "/api/v1/sign/[redacted]?page=2" in logged


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1//sign/{TOKEN}",
        f"/api/v1/sign//{TOKEN}/sign",
        f"/api/v1/%73IGN/{TOKEN}/code",
        f"/api/v1/sign/./{TOKEN}/document",
        f"/api/v1/sign%2F{TOKEN}",
        f"/api/v1/Sign/{TOKEN}",
    ],
)
async def test_other_spellings_of_a_sign_path_leave_no_token_either(
    gateway: tuple[int, Path], path: str
) -> None:
    port, prefix = gateway
    send(port, "GET", path)
    (entry,) = await logged_requests(prefix, 1)
    assert entry["uri"] == "/api/v1/sign/[redacted]"


async def test_paths_without_a_secret_are_logged_as_sent(gateway: tuple[int, Path]) -> None:
    port, prefix = gateway
    sent = ["/api/v1/signings/s1/send?x=1", "/api/v1/me", "/api/v1/signings"]
    for path in sent:
        send(port, "GET", path)
    assert [e["uri"] for e in await logged_requests(prefix, len(sent))] == sent


async def test_the_error_log_writes_no_token_when_signing_is_down(
    tmp_path: Path, stand_ins: dict[str, int]
) -> None:
    port = free_port()
    values = local_values(port, {**stand_ins, "signing": free_port()})
    with nginx_running(tmp_path / "gw", values, port) as prefix:
        token_path = send(port, "GET", f"/api/v1/sign/{TOKEN}/document")
        staff_path = send(port, "GET", "/api/v1/signings/s1")
        entries = await logged_requests(prefix, 2)
    errors = (prefix / "error.log").read_text()

    assert (token_path[0], staff_path[0]) == (502, 502)
    assert [e["upstream_status"] for e in entries] == ["502", "502"]
    assert "/api/v1/signings/s1" in errors  # the error log works, and shows signing is down
    assert TOKEN not in errors
