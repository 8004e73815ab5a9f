"""A firm's audit log verified from notify's database, as `GET /api/v1/audit/verify` does."""

from uuid import UUID

from portalctl.targets import settings_of
from services.notify.auditing import Verified, verify
from shared.database import Database


async def verify_firm(firm_id: UUID) -> Verified:
    db = await Database.connect(settings_of("notify").dsn, min_size=1, max_size=1)
    try:
        async with db.transaction(readonly=True) as conn:
            return await verify(conn, firm_id)
    finally:
        await db.close()
