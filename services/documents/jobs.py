"""The reaper: settles what a dead or interrupted process left behind. Safe in every replica
(rows taken with SKIP LOCKED), so running it everywhere only adds availability."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from services.documents import deleting, uploading
from services.documents.store import uploads as store
from shared.jobs import Periodic

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

log = logging.getLogger(__name__)


async def reap(deps: DocumentsDeps) -> None:
    settings = deps.settings
    async with deps.db.transaction() as conn:
        stale = await store.lock_stale_uploads(
            conn, settings.upload_idle_seconds, settings.multipart_idle_seconds,
            settings.commit_retry_seconds,
        )  # fmt: skip
        for upload in stale:
            try:
                if upload.state == "open":
                    await uploading.discard_bytes(deps, upload)
                    await deps.billing.release(upload.firm_id, upload.reservation_key)
                    await store.set_upload_state(conn, upload.firm_id, upload.id, "failed")
                else:
                    await deps.billing.commit(upload.firm_id, upload.reservation_key, upload.size)
                    await store.set_upload_state(conn, upload.firm_id, upload.id, "done")
            except Exception:
                log.warning("reaping upload %s failed; next round", upload.id, exc_info=True)
    await deleting.pay(deps, None)


def document_jobs(deps: DocumentsDeps) -> list[Periodic]:
    return [Periodic("documents-reaper", deps.settings.reaper_interval_seconds,
                     lambda: reap(deps))]  # fmt: skip
