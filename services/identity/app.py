"""Composition root of the identity service."""

from pathlib import Path

from aiohttp import web

from services.identity import invitations
from services.identity.api import APIS
from services.identity.numbers import PersonalNumbers
from services.identity.passwords import Passwords
from services.identity.resources import (
    KEYS,
    NUMBERS,
    PASSWORDS,
    eid_provider,
    key_rotation,
    revoked,
    sealed_numbers,
    signing_keys,
)
from services.identity.settings import IdentitySettings
from services.identity.tokens import KeyStore
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="identity",
    title="Identity service",
    description="firms, staff, clients, contacts, invitations, sign-in and tokens.",
    apis=APIS,
    migrations=Path(__file__).parent / "migrations",
    jobs=lambda app: [invitations.sender(app), key_rotation(app)],
    resources=[signing_keys, sealed_numbers, eid_provider],
    revoked=revoked,
)


def create_app(settings: IdentitySettings) -> web.Application:
    """Identity verifies its own tokens straight from its key store, not over HTTP."""
    keys = KeyStore(
        settings.key_secret,
        token_seconds=settings.access_token_seconds,
        rotation_days=settings.key_rotation_days,
    )
    app = build_app(settings, SPEC, keys=keys)
    app[KEYS] = keys
    app[PASSWORDS] = Passwords(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    app[NUMBERS] = PersonalNumbers(settings.key_secret)
    return app
