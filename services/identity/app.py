"""Composition root of the identity service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from aiohttp import web

from services.identity.api import APIS
from services.identity.jobs import jobs
from services.identity.numbers import PersonalNumbers, seal_plain_numbers
from services.identity.passwords import Passwords
from services.identity.revocations import from_database, list_revocations
from services.identity.sessions import revoked
from services.identity.settings import IdentitySettings
from services.identity.tokens import KeyStore
from shared.bus import Bus
from shared.database import Database
from shared.eid import EidProvider, make_eid_provider
from shared.events.identity import ListRevocations
from shared.service import Kit, ServiceSpec, build_app
from shared.storage import ObjectStore


@dataclass(frozen=True)
class IdentityDeps:
    """Everything identity's routes, use cases and jobs need, built once at start.
    `eid` is None when eID is off (`none`): eID routes and settings say so."""

    settings: IdentitySettings
    db: Database
    bus: Bus
    keys: KeyStore
    passwords: Passwords
    numbers: PersonalNumbers
    eid: EidProvider | None
    store: ObjectStore


# `dependencies` is added by create_app: it closes over the key store the token verifier uses.
SPEC = ServiceSpec(
    name="identity",
    title="Identity service",
    description="firms and their branding, staff, clients, contacts, invitations, sign-in and "
    "tokens.",
    apis=APIS,
    migrations=Path(__file__).parent / "migrations",
    jobs=jobs,
    rpc={ListRevocations: list_revocations},
    # The deny list every service keeps, plus the session's own row (sessions.revoked).
    revoked=revoked,
    uses_s3=True,
    catch_up=lambda kit: from_database(kit.db),
)


@asynccontextmanager
async def dependencies(kit: Kit, keys: KeyStore) -> AsyncIterator[IdentityDeps]:
    """The key store gets its database and a current key; personal numbers written before they
    were sealed are sealed before the first request; the eID provider closes on exit."""
    settings = kit.settings
    assert isinstance(settings, IdentitySettings)
    await keys.attach(kit.db)
    numbers = PersonalNumbers(settings.key_secret)
    await seal_plain_numbers(kit.db, numbers)
    passwords = Passwords.of(settings)
    provider = make_eid_provider(settings, settings.key_secret)
    assert kit.store is not None
    try:
        yield IdentityDeps(settings, kit.db, kit.bus, keys, passwords, numbers, provider, kit.store)
    finally:
        if provider is not None:
            await provider.close()


def create_app(settings: IdentitySettings) -> web.Application:
    """Identity verifies its own tokens straight from its key store, not over HTTP: the one
    store is the verifier's key source and, once the database is open, part of the deps."""
    keys = KeyStore(
        settings.key_secret,
        token_seconds=settings.access_token_seconds,
        rotation_days=settings.key_rotation_days,
    )
    spec = replace(SPEC, dependencies=lambda kit: dependencies(kit, keys))
    return build_app(settings, spec, keys=keys)
