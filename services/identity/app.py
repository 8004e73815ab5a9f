"""Composition root of the identity service."""

from aiohttp import web

from services.identity.settings import IdentitySettings
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="identity",
    title="Identity service",
    description="firms, staff, clients, contacts, invitations, sign-in and tokens.",
)


def create_app(settings: IdentitySettings) -> web.Application:
    return build_app(settings, SPEC)
