"""Composition root of the notify service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from services.notify.api import APIS
from services.notify.audit_api import APIS as AUDIT_APIS
from services.notify.consumers import COMMAND_HANDLERS, EVENT_HANDLERS
from services.notify.jobs import notify_jobs
from services.notify.mailer import Mailer
from services.notify.render import Renderer
from services.notify.settings import NotifySettings
from services.notify.worker import DeliveryWorker
from shared.bus import Bus
from shared.database import Database
from shared.service import Kit, ServiceSpec, build_app


@dataclass(frozen=True)
class NotifyDeps:
    """What notify's routes, handlers and jobs use: settings, database, bus, the templates,
    and the SMTP pool with the delivery worker that sends through it."""

    settings: NotifySettings
    db: Database
    bus: Bus
    renderer: Renderer
    mailer: Mailer
    worker: DeliveryWorker


@asynccontextmanager
async def notify_dependencies(kit: Kit) -> AsyncIterator[NotifyDeps]:
    """The SMTP pool and the workers that use it start here and stop (finishing their sends)
    before the database closes."""
    assert isinstance(kit.settings, NotifySettings)
    mailer = Mailer(kit.settings)
    worker = DeliveryWorker(kit.db, mailer, kit.settings, kit.metrics)
    await worker.start()
    try:
        yield NotifyDeps(kit.settings, kit.db, kit.bus, Renderer(), mailer, worker)
    finally:
        await worker.stop()
        await mailer.close()


SPEC = ServiceSpec(
    name="notify",
    title="Notify service",
    description="Notification preferences, the in-app feed, templates and email delivery.",
    apis=[*APIS, *AUDIT_APIS],
    migrations=Path(__file__).parent / "migrations",
    events=EVENT_HANDLERS,
    commands=COMMAND_HANDLERS,
    jobs=notify_jobs,
    dependencies=notify_dependencies,
)


def create_app(settings: NotifySettings) -> web.Application:
    return build_app(settings, SPEC)
