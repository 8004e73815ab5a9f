"""What document requests mean to notify (issue 20): the contacts a request asks hear of it,
of each item accepted or returned, and of its reminders; the staff who serve the client hear
of each file sent in. Documents names the contacts in every event (the request's audience at
that moment), so notify keeps no copy of it; the actor is never told of their own action."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from services.notify.domain import Reach
from services.notify.fanout import Notice, fan_out
from shared.database import Connection
from shared.events import documents
from shared.events.base import Envelope, Event
from shared.service import Handles

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


def _path(request_id: object) -> str:
    return f"/requests/{request_id}"


async def request_created(
    conn: Connection, e: documents.DocumentRequestCreated, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    items = [{"title": i.title, "due_date": i.due_date} for i in e.items]
    context = {"request_title": e.title, "message": e.message, "items": items}
    notice = Notice("request_created", Reach(named=frozenset(e.contacts)), _path(e.request_id),
                    e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


# An item's new status, and whom it concerns: a file sent in concerns the client's staff;
# an answer on it concerns the contacts asked.
_STATUS_KINDS = {"submitted": "request_item_submitted", "accepted": "request_item_accepted",
                 "returned": "request_item_returned"}  # fmt: skip


async def item_status_changed(
    conn: Connection, e: documents.RequestItemStatusChanged, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    kind = _STATUS_KINDS.get(e.item_status)
    if kind is None:  # cancelled: the request's page says so; nobody is mailed
        return
    reach = (
        Reach(client_staff=True) if e.item_status == "submitted"
        else Reach(named=frozenset(e.contacts))
    )  # fmt: skip
    context = {"request_title": e.request_title, "item_title": e.item_title,
               "reason": e.reason, "document_name": e.document_name}  # fmt: skip
    notice = Notice(kind, reach, _path(e.request_id), e.client_id, context)
    await fan_out(conn, notice, env, deps)


async def reminder_due(
    conn: Connection, e: documents.RequestReminderDue, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    context = {"request_title": e.request_title, "item_title": e.item_title,
               "due_date": e.due_date, "overdue": e.overdue}  # fmt: skip
    notice = Notice("request_reminder", Reach(named=frozenset(e.contacts)), _path(e.request_id),
                    e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


HANDLERS: Mapping[type[Event], Handles] = {
    documents.DocumentRequestCreated: request_created,
    documents.RequestItemStatusChanged: item_status_changed,
    documents.RequestReminderDue: reminder_due,
}
