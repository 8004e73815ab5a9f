"""What a principal may load: billing's one thing is the account of the caller's own firm.

The firm comes from the token, so there is no id to check. The token proves that identity
made the firm, so an account not opened yet is one whose FirmCreated is still on its way:
waited for briefly, then 503 (shared/replicas.py), never 404.
"""

from services.billing.models import AccountRow
from services.billing.store import accounts
from shared.auth import Principal
from shared.database import Connection
from shared.replicas import NotCaughtUp, waited_for


async def require_account(
    conn: Connection, principal: Principal, *, wait: float, lock: bool = False
) -> AccountRow:
    """The caller's own firm's account (row-locked with `lock`), waited for up to `wait`
    seconds right after sign-up."""
    load = accounts.lock_account if lock else accounts.get_account
    account = await waited_for(lambda: load(conn, principal.firm_id), wait)
    if account is None:
        raise NotCaughtUp("This firm's billing account is being opened; try again in a moment.")
    return account
