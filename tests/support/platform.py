"""The five services in this process, each on its own port and database, verifying tokens
from this identity and mailing through the test's SMTP catcher: the whole platform for the
end-to-end and browser tests."""

from contextlib import AsyncExitStack
from typing import Any

from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.documents.app import create_app as documents_app
from services.documents.settings import DocumentsSettings
from services.identity.app import create_app as identity_app
from services.identity.settings import IdentitySettings
from services.notify.app import create_app as notify_app
from services.notify.settings import NotifySettings
from services.signing.app import create_app as signing_app
from services.signing.settings import SigningSettings
from tests.support.services import Environment, Running, serve


async def five_services(
    env: Environment, stack: AsyncExitStack, *, smtp_port: int,
    overrides: dict[str, dict[str, Any]] | None = None, **common: Any,
) -> dict[str, Running]:  # fmt: skip
    """Started on `stack` in dependency order (identity first, for its key set); `common`
    settings (e.g. `public_url`) go to every service, `overrides[name]` to that one only."""
    own = overrides or {}
    settings = await env.settings(IdentitySettings, **common, **own.get("identity", {}))
    identity = await stack.enter_async_context(serve(identity_app(settings)))
    peers = {"jwks_url": f"{identity.url}/api/v1/auth/jwks.json", **common}
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port}
    started = {"identity": identity}
    for name, create, settings in (
        ("billing", billing_app, BillingSettings),
        ("documents", documents_app, DocumentsSettings),
        ("signing", signing_app, SigningSettings),
    ):
        started[name] = await stack.enter_async_context(
            serve(create(await env.settings(settings, **peers, **own.get(name, {}))))  # type: ignore[arg-type]
        )
    started["notify"] = await stack.enter_async_context(
        serve(
            notify_app(await env.settings(NotifySettings, **peers, **smtp, **own.get("notify", {})))
        )
    )
    return started
