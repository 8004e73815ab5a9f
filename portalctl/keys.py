"""Rotating identity's token signing key now, with the grace period its store applies."""

from dataclasses import dataclass
from datetime import UTC, datetime

from portalctl.targets import settings_of
from services.identity.settings import IdentitySettings
from services.identity.store import list_signing_keys
from services.identity.tokens import KeyStore
from shared.database import Database


@dataclass(frozen=True)
class PublishedKey:
    kid: str
    retired_at: datetime | None
    verifies_until: datetime | None  # None: the current key


async def rotate_keys() -> list[PublishedKey]:
    """Retire the current key and start a new one (the same code as identity's own rotation,
    under its lock). Each replica signs with the new key from its next reload (every
    IDENTITY_KEY_CHECK_SECONDS); the old key stays in the key set, so tokens it signed verify,
    for an access token's lifetime and five minutes more. Returns the published keys."""
    settings = settings_of("identity")
    assert isinstance(settings, IdentitySettings)
    keys = KeyStore(
        settings.key_secret,
        token_seconds=settings.access_token_seconds,
        rotation_days=settings.key_rotation_days,
    )
    db = await Database.connect(settings.dsn, min_size=1, max_size=1)
    try:
        async with db.transaction() as conn:
            await keys.rotate_if_due(conn, datetime.now(UTC), force=True)
            rows = await list_signing_keys(conn, keys.grace())
    finally:
        await db.close()
    return [_published(row["kid"], row["retired_at"], keys) for row in rows]


def _published(kid: str, retired_at: datetime | None, keys: KeyStore) -> PublishedKey:
    return PublishedKey(kid, retired_at, retired_at + keys.grace() if retired_at else None)
