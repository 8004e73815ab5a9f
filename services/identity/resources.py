"""Identity's own resources on the app: its key store and password hasher."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web

from services.identity.numbers import CONVERT_BATCH, PersonalNumbers
from services.identity.passwords import Passwords
from services.identity.settings import IdentitySettings
from services.identity.store import accounts, contacts
from services.identity.tokens import KeyStore, session_of
from shared.auth import Principal
from shared.eid import EidProvider, make_eid_provider
from shared.jobs import Periodic
from shared.service import DB, SETTINGS

KEYS = web.AppKey("identity_keys", KeyStore)
PASSWORDS = web.AppKey("identity_passwords", Passwords)
EID = web.AppKey("identity_eid", EidProvider)
NUMBERS = web.AppKey("identity_numbers", PersonalNumbers)


def settings_of(app: web.Application) -> IdentitySettings:
    settings = app[SETTINGS]
    assert isinstance(settings, IdentitySettings)
    return settings


async def signing_keys(app: web.Application) -> AsyncIterator[None]:
    """Attach the key store to the database and make sure a signing key exists."""
    keys = app[KEYS]
    keys.db = app[DB]
    async with app[DB].transaction() as conn:
        await keys.rotate_if_due(conn, datetime.now(UTC))
    await keys.load()
    yield


async def sealed_numbers(app: web.Application) -> AsyncIterator[None]:
    """Seal the personal numbers of rows written before they were sealed (migration 0005).
    Replicas starting together share the work: SKIP LOCKED hands each row to one of them."""
    while True:
        async with app[DB].transaction() as conn:
            plain = await contacts.list_plain_numbers(conn, CONVERT_BATCH)
            for contact_id, firm_id, number in plain:
                sealed = app[NUMBERS].seal(firm_id, number)
                await contacts.seal_number(conn, contact_id, sealed, app[NUMBERS].digest(number))
        if len(plain) < CONVERT_BATCH:
            break
    yield


async def eid_provider(app: web.Application) -> AsyncIterator[None]:
    """No provider under `EID` when eID is off (`none`): eID routes and settings say so."""
    settings = settings_of(app)
    provider = make_eid_provider(settings, settings.key_secret)
    if provider is not None:
        app[EID] = provider
    yield
    if provider is not None:
        await provider.close()


def key_rotation(app: web.Application) -> Periodic:
    """Starts a new key when the current one is old; every replica then reloads the set, so
    the new key signs and the old one verifies until tokens it signed have expired."""

    async def rotate() -> None:
        async with app[DB].transaction() as conn:
            await app[KEYS].rotate_if_due(conn, datetime.now(UTC))
        await app[KEYS].load()

    return Periodic("identity-keys", settings_of(app).key_check_seconds, rotate)


async def revoked(app: web.Application, principal: Principal) -> bool:
    """A token whose session was signed out, or whose access was switched off, is refused."""
    session_id = session_of(principal.token_id)
    if session_id is None:
        return True
    async with app[DB].transaction(readonly=True) as conn:
        return await accounts.is_session_revoked(conn, session_id)
