"""The reaper, which settles what a dead or interrupted process left behind, and the reminders
of document requests. Safe in every replica (rows taken with SKIP LOCKED, and one reminder
row per item and time written in the job's transaction), so running them everywhere only adds
availability."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from services.documents import deleting, domain, requesting, uploading
from services.documents.models import ItemRow
from services.documents.store import requests as request_store
from services.documents.store import uploads as store
from shared.bus import put
from shared.database import Connection
from shared.events.documents import RequestReminderDue
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


REMINDER_BATCH = 100


async def remind(deps: DocumentsDeps, now: datetime | None = None) -> int:
    """Remind the contacts of every item whose reminder time has come; `now` is the job's
    clock (tests set it). An item whose reminder is taken by another replica is skipped."""
    at = now or datetime.now(UTC)
    async with deps.db.transaction() as conn:
        due = await request_store.lock_due_items(conn, at, REMINDER_BATCH)
        sent = [await _remind(conn, item, at, deps.settings.reminder_hour_utc) for item in due]
    return sum(sent)


async def _remind(conn: Connection, item: ItemRow, now: datetime, hour: int) -> int:
    """One item's due reminder, once: the (item, time) row makes a second send a no-op. The
    next time is the first one after now, so reminders missed while nothing ran are not all
    sent at once."""
    request = await request_store.get_request(conn, item.firm_id, item.request_id)
    remind_at = item.next_reminder_at
    waiting = (
        request is not None and request.closed_at is None and remind_at is not None
        and item.status in domain.WAITING_FOR_CUSTOMER
    )  # fmt: skip
    if not waiting or request is None or remind_at is None:
        await request_store.set_next_reminder(conn, item, None, item.reminders_sent)
        return 0
    contacts = await requesting.audience_now(conn, request)
    fresh = bool(contacts) and await request_store.insert_reminder(conn, item, remind_at, contacts)
    if fresh:
        event = RequestReminderDue(
            request_id=request.id, client_id=request.client_id, request_title=request.title,
            item_id=item.id, item_title=item.title, due_date=item.due_date.isoformat(),
            remind_at=remind_at.isoformat(), overdue=domain.overdue(item.due_date, item.status,
                                                                    now.date()),
            contacts=contacts,
        )  # fmt: skip
        await put(conn, event, firm_id=item.firm_id, actor=None)
    sent = item.reminders_sent + int(fresh)
    after = domain.next_reminder(item.due_date, request.schedule, hour, after=now, sent=sent)
    await request_store.set_next_reminder(conn, item, after, sent)
    return int(fresh)


def document_jobs(deps: DocumentsDeps) -> list[Periodic]:
    return [
        Periodic("documents-reaper", deps.settings.reaper_interval_seconds, lambda: reap(deps)),
        Periodic("documents-reminders", deps.settings.reminder_interval_seconds,
                 lambda: remind(deps)),
    ]  # fmt: skip
