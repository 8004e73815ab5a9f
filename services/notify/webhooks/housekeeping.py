"""The delivery log keeps settled deliveries for `webhook_log_days`."""

from datetime import UTC, datetime, timedelta

from services.notify.store import webhooks as store
from shared.database import Database


async def forget_old_deliveries(db: Database, days: int) -> int:
    async with db.transaction() as conn:
        return await store.delete_settled_before(conn, datetime.now(UTC) - timedelta(days=days))
