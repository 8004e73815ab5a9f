"""Composition root of the notify service."""

from aiohttp import web

from services.notify.settings import NotifySettings
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="notify",
    title="Notify service",
    description="notification preferences, templates and email delivery.",
)


def create_app(settings: NotifySettings) -> web.Application:
    return build_app(settings, SPEC)
