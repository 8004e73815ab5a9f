"""Background work of billing: lapsed storage reservations give their bytes back.

Safe with any number of replicas: each firm is handled in its own transaction under its
account row lock, taken with SKIP LOCKED so replicas (and busy RPC batches) never wait on each
other; a skipped firm is handled on a later round. A reservation only moves from `reserved`
under that lock, so its bytes are returned exactly once.
"""

import logging
from collections.abc import Sequence
from datetime import datetime

from aiohttp import web

from services.billing import store
from services.billing.consumers import now
from services.billing.settings import BillingSettings
from shared.database import Database
from shared.jobs import Periodic
from shared.service import DB, SETTINGS

log = logging.getLogger(__name__)

FIRMS_PER_ROUND = 500


async def expire_reservations(db: Database, at: datetime) -> int:
    """Expire what has lapsed by `at`; returns the bytes given back by this replica."""
    async with db.transaction(readonly=True) as conn:
        firms = await store.list_firms_with_due_reservations(conn, at, FIRMS_PER_ROUND)
    returned = 0
    for firm_id in firms:
        async with db.transaction() as conn:
            if await store.lock_account_if_free(conn, firm_id):
                returned += await store.expire_reservations(conn, firm_id, at)
    if returned:
        log.info("expired reservations gave back %d bytes", returned)
    return returned


def billing_jobs(app: web.Application) -> Sequence[Periodic]:
    settings = app[SETTINGS]
    assert isinstance(settings, BillingSettings)

    async def expire() -> None:
        await expire_reservations(app[DB], now())

    return [Periodic("expire-reservations", settings.expiry_interval_seconds, expire)]
