"""Background work of billing: lapsed storage reservations give their bytes back.

Safe with any number of replicas: each firm is handled in its own transaction under its
account row lock, taken with SKIP LOCKED so replicas (and busy RPC batches) never wait on each
other; a skipped firm is handled on a later round. A reservation only moves from `reserved`
under that lock, so its bytes are returned exactly once.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.billing.store import accounts, reservations
from shared.database import Database
from shared.jobs import Periodic

if TYPE_CHECKING:
    from services.billing.app import BillingDeps

log = logging.getLogger(__name__)

FIRMS_PER_ROUND = 500


async def expire_reservations(db: Database, at: datetime) -> int:
    """Expire what has lapsed by `at`; returns the bytes given back by this replica."""
    async with db.transaction(readonly=True) as conn:
        firms = await reservations.list_firms_with_due_reservations(conn, at, FIRMS_PER_ROUND)
    returned = 0
    for firm_id in firms:
        async with db.transaction() as conn:
            if await accounts.lock_account_if_free(conn, firm_id):
                returned += await reservations.expire_reservations(conn, firm_id, at)
    if returned:
        log.info("expired reservations gave back %d bytes", returned)
    return returned


def billing_jobs(deps: "BillingDeps") -> Sequence[Periodic]:
    async def expire() -> None:
        await expire_reservations(deps.db, datetime.now(UTC))

    return [Periodic("expire-reservations", deps.settings.expiry_interval_seconds, expire)]
