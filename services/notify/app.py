"""Composition root of the notify service."""

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from services.notify.api import api
from services.notify.consumers import command_handlers, event_handlers
from services.notify.digests import send_due_digests
from services.notify.fanout import Tools
from services.notify.mailer import Mailer
from services.notify.render import Renderer
from services.notify.settings import NotifySettings
from services.notify.worker import DeliveryWorker
from shared.jobs import Periodic
from shared.service import DB, ServiceSpec, build_app

TOOLS = web.AppKey("tools", Tools)
MAILER = web.AppKey("mailer", Mailer)
WORKER = web.AppKey("delivery_worker", DeliveryWorker)


async def _delivery(app: web.Application) -> AsyncIterator[None]:
    """The SMTP pool and the workers that use it; stopped before the database closes."""
    settings = app[TOOLS].settings
    app[MAILER] = Mailer(settings)
    app[WORKER] = DeliveryWorker(app[DB], app[MAILER], settings)
    await app[WORKER].start()
    yield
    await app[WORKER].stop()
    await app[MAILER].close()


def _jobs(app: web.Application) -> list[Periodic]:
    tools = app[TOOLS]

    async def digests() -> None:
        await send_due_digests(app[DB], tools)

    return [Periodic("notify-digests", tools.settings.digest_check_seconds, digests)]


def spec(tools: Tools) -> ServiceSpec:
    return ServiceSpec(
        name="notify",
        title="Notify service",
        description="Notification preferences, the in-app feed, templates and email delivery.",
        apis=[api],
        migrations=Path(__file__).parent / "migrations",
        events=event_handlers(tools),
        commands=command_handlers(tools),
        jobs=_jobs,
        resources=[_delivery],
    )


def create_app(settings: NotifySettings) -> web.Application:
    tools = Tools(settings, Renderer())
    app = build_app(settings, spec(tools))
    app[TOOLS] = tools
    return app
