"""What a principal may load: billing's one thing is the account of the caller's own firm.

The firm comes from the token, so there is no id to check; an account that does not exist
yet answers 404, as any other firm's would.
"""

from services.billing import domain
from services.billing.models import AccountRow
from services.billing.store import accounts
from shared.auth import Principal
from shared.database import Connection


async def require_account(
    conn: Connection, principal: Principal, *, lock: bool = False
) -> AccountRow:
    """The caller's own firm's account (row-locked with `lock`), or 404."""
    load = accounts.lock_account if lock else accounts.get_account
    account = await load(conn, principal.firm_id)
    if account is None:
        raise domain.NoAccount()
    return account
