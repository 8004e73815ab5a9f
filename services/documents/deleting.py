"""Deleted versions owe two things: removing their object and freeing their bytes in
billing. Both are recorded (`pending_frees`) in the deleting transaction and paid right
after it commits; what fails then (or a crash) is paid by the reaper, each at most once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from uuid import UUID

from services.documents.models import NewPendingFree, VersionRow
from services.documents.store import uploads as upload_store
from services.documents.uploading import parts as bucket
from shared.database import Connection

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

log = logging.getLogger(__name__)


async def owe(conn: Connection, firm_id: UUID, versions: list[VersionRow]) -> None:
    for version in versions:
        owed = NewPendingFree(
            version_id=version.id, firm_id=firm_id, object_key=version.object_key,
            size=version.size,
        )  # fmt: skip
        await upload_store.insert_pending_free(conn, owed)


async def pay(deps: DocumentsDeps, version_ids: list[UUID] | None) -> int:
    """Settle the named debts (None: any, oldest first); returns how many were settled."""
    paid = 0
    async with deps.db.transaction() as conn:
        for version_id, firm_id, key, size in await upload_store.lock_pending_frees(
            conn, version_ids
        ):
            try:
                await bucket.remove(deps.store, key)
                await deps.billing.free(firm_id, f"free:{version_id}", size)
            except Exception:
                log.warning("freeing version %s postponed", version_id, exc_info=True)
                continue
            await upload_store.delete_pending_free(conn, version_id)
            paid += 1
    return paid
