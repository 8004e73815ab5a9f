"""Warnings of a firm's storage level, at 80 % and 100 % of its limit, as events.

Both the ledger RPCs (a commit or a free) and the HTTP routes (a plan or block change) move a
firm's usage or limit; each calls `note_storage_level` in its own transaction, under the
account lock, so a crossing is warned of once whoever caused it.
"""

from uuid import UUID

from services.billing import domain
from services.billing.models import StorageRow
from services.billing.store import accounts
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.billing import StorageThresholdReached


async def note_storage_level(
    conn: Connection, firm_id: UUID, storage: StorageRow, actor: UUID | None
) -> None:
    """Warn once per upward crossing of 80 % / 100 %; remember drops so a new rise warns."""
    level, crossed = domain.thresholds_crossed(
        storage.storage_level, storage.storage_used, storage.storage_limit
    )
    if level == storage.storage_level:
        return
    await accounts.update_storage_level(conn, firm_id, level)
    for threshold in crossed:
        warning = StorageThresholdReached(
            threshold=threshold, used=storage.storage_used, limit=storage.storage_limit
        )
        await put(conn, warning, firm_id=firm_id, actor=actor)
