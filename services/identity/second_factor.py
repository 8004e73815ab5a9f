"""The TOTP code a staff context asks for, whatever the first factor was."""

from datetime import UTC, datetime
from uuid import UUID

from services.identity.domain import totp_step
from services.identity.store import accounts
from services.identity.tokens import KeyStore
from shared.database import Connection


def totp_aad(account_id: UUID) -> str:
    """The sealed secret is bound to its account: a copied row opens for no other."""
    return f"totp:{account_id}"


async def totp_matches(
    keys: KeyStore, conn: Connection, account_id: UUID, code: str | None
) -> bool | None:
    """None when the account has no TOTP on; else whether the code is right (and now used up,
    so the same code cannot serve twice). The account row stays locked to the end."""
    sealed, enabled, last = await accounts.get_totp(conn, account_id)
    if not enabled or sealed is None:
        return None
    if not code:
        return False
    secret = keys.sealer.open(totp_aad(account_id), sealed)
    step = totp_step(secret, code, datetime.now(UTC), last)
    if step is None:
        return False
    await accounts.use_totp_step(conn, account_id, step)
    return True
