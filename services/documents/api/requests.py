"""Document requests: staff ask a client's portal contacts for documents, item by item; the
contacts asked upload against an item (into its folder, whatever the folder's own customer
level); staff accept or return each file, close or cancel the request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from aiohttp import web

from services.documents import domain, requesting, uploading
from services.documents.access import require_client, require_request
from services.documents.api.documents import declared_size
from services.documents.models import (
    ClientRequestQuery,
    DocumentOut,
    ItemChange,
    ItemIn,
    ItemRow,
    NewRequest,
    RequestChange,
    RequestIn,
    RequestList,
    RequestOut,
    RequestQuery,
    RequestRow,
    ReturnIn,
    UploadQuery,
)
from services.documents.store import requests as store
from services.documents.store.replicas import list_standings
from shared.auth import Principal
from shared.database import Connection
from shared.events.documents import (
    DocumentRequestClosed,
    DocumentRequestCreated,
    RequestItemAdded,
    RequestItemChanged,
)
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("requests")
LIMIT = 200
ITEM = "/api/v1/requests/{request_id}/items/{item_id}"


def _now() -> datetime:
    return datetime.now(UTC)


async def _one(conn: Connection, row: RequestRow) -> RequestOut:
    return (await requesting.shaped(conn, [row], _now().date()))[0]


@api.post(
    "/api/v1/clients/{client_id}/requests",
    summary="Ask the client's portal contacts (all, or chosen) for documents, item by item",
    access="staff", body=RequestIn, response=RequestOut, status=201, errors=(404, 409, 422),
)  # fmt: skip
async def create_request(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: RequestIn
) -> RequestOut:
    client_id, now, hour = path_uuid(request, "client_id"), _now(), deps.settings.reminder_hour_utc
    async with deps.db.transaction() as conn:
        await require_client(conn, principal, client_id, wait=deps.settings.replica_wait_seconds)
        chosen = None if body.audience == "all" else body.audience
        asked = domain.chosen_audience(chosen, await list_standings(conn, principal.firm_id,
                                                                    client_id))  # fmt: skip
        new = NewRequest(
            id=uuid4(), firm_id=principal.firm_id, client_id=client_id, title=body.title,
            message=body.message, audience_all=chosen is None, audience=chosen or [],
            schedule=body.reminders, created_by=principal.user_id,
        )  # fmt: skip
        row = await store.insert_request(conn, new)
        items = [await requesting.add_item(conn, row, item, n, hour, now, f"items.{n}")
                 for n, item in enumerate(body.items)]  # fmt: skip
        event = DocumentRequestCreated(
            request_id=row.id, client_id=client_id, title=row.title, message=row.message,
            items=[requesting.requested(i) for i in items], contacts=asked,
        )  # fmt: skip
        await requesting.announce(conn, row, event, principal.user_id)
        return await _one(conn, row)


@api.get(
    "/api/v1/clients/{client_id}/requests",
    summary="The client's document requests, newest first (a contact: those asking them)",
    query=ClientRequestQuery, response=RequestList, errors=(404, 503),
)  # fmt: skip
async def client_requests(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: ClientRequestQuery
) -> RequestList:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction(readonly=True) as conn:
        standing = await require_client(
            conn, principal, client_id, wait=deps.settings.replica_wait_seconds
        )
        contact = None if standing is None else principal.user_id
        rows = await store.list_client_requests(
            conn, principal.firm_id, client_id, contact, query.status, LIMIT
        )
        return RequestList(requests=await requesting.shaped(conn, rows, _now().date()))


@api.get(
    "/api/v1/requests",
    summary="Staff: open document requests at every client they see, oldest first; "
    "`overdue=true` keeps those with an item past its due date",
    access="staff", query=RequestQuery, response=RequestList,
)  # fmt: skip
async def firm_requests(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: RequestQuery
) -> RequestList:
    assigned_to = None if principal.sees_every_client else principal.user_id
    today = _now().date()
    async with deps.db.transaction(readonly=True) as conn:
        rows = await store.list_firm_requests(
            conn, principal.firm_id, assigned_to, query.status,
            today if query.overdue else None, LIMIT,
        )  # fmt: skip
        return RequestList(requests=await requesting.shaped(conn, rows, today))


@api.get(
    "/api/v1/requests/{request_id}",
    summary="One document request with its items and the files uploaded against them",
    response=RequestOut, errors=(404, 503),
)  # fmt: skip
async def get_request(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> RequestOut:
    async with deps.db.transaction(readonly=True) as conn:
        row = await require_request(conn, principal, path_uuid(request, "request_id"))
        return await _one(conn, row)


@api.patch(
    "/api/v1/requests/{request_id}",
    summary="Change a request's title, message or reminder schedule",
    access="staff", body=RequestChange, response=RequestOut, errors=(404, 409, 422),
)  # fmt: skip
async def change_request(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: RequestChange
) -> RequestOut:
    now, hour = _now(), deps.settings.reminder_hour_utc
    async with deps.db.transaction() as conn:
        row = await require_request(conn, principal, path_uuid(request, "request_id"), lock=True)
        domain.require_open_request(row.closed_at is not None, row.status)
        s = body.reminders or row.schedule
        schedule = (list(s.days_before), s.on_due_date, s.every_days_after, s.at_most)
        row = await store.update_request(
            conn, row.firm_id, row.id, title=body.title or row.title,
            message=row.message if body.message is None else body.message, schedule=schedule,
            status=row.status, closed_at=None,
        )  # fmt: skip
        if body.reminders is not None:
            for item in await store.lock_items(conn, row.firm_id, row.id):
                await _reschedule(conn, row, item, hour, now)
        return await _one(conn, row)


async def _reschedule(
    conn: Connection, row: RequestRow, item: ItemRow, hour: int, now: datetime
) -> None:
    if item.status not in domain.WAITING_FOR_CUSTOMER:
        return
    at = domain.next_reminder(item.due_date, row.schedule, hour, after=now,
                              sent=item.reminders_sent)  # fmt: skip
    await store.set_next_reminder(conn, item, at, item.reminders_sent)


@api.post(
    "/api/v1/requests/{request_id}/close",
    summary="Close the request: items not accepted are cancelled",
    access="staff", response=RequestOut, errors=(404, 409),
)  # fmt: skip
async def close_request(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> RequestOut:
    return await _end(deps, principal, path_uuid(request, "request_id"), cancelled=False)


@api.post(
    "/api/v1/requests/{request_id}/cancel",
    summary="Cancel the request: nothing more is asked",
    access="staff", response=RequestOut, errors=(404, 409),
)  # fmt: skip
async def cancel_request(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> RequestOut:
    return await _end(deps, principal, path_uuid(request, "request_id"), cancelled=True)


async def _end(
    deps: DocumentsDeps, principal: Principal, request_id: UUID, *, cancelled: bool
) -> RequestOut:
    async with deps.db.transaction() as conn:
        row = await require_request(conn, principal, request_id, lock=True)
        domain.require_open_request(row.closed_at is not None, row.status)
        items = await store.lock_items(conn, row.firm_id, row.id)
        ended = [i if i.status in ("accepted", "cancelled")
                 else await requesting.move_item(conn, i, "cancelled") for i in items]  # fmt: skip
        row = await requesting.restatus(conn, row, ended, cancelled=cancelled, closed_at=_now())
        event = DocumentRequestClosed(
            request_id=row.id, client_id=row.client_id, title=row.title, cancelled=cancelled,
            status=row.status, contacts=await requesting.audience_now(conn, row),
        )  # fmt: skip
        await requesting.announce(conn, row, event, principal.user_id)
        return await _one(conn, row)


@api.post(
    "/api/v1/requests/{request_id}/items",
    summary="Add an item to an open request",
    access="staff", body=ItemIn, response=RequestOut, status=201, errors=(404, 409, 422),
)  # fmt: skip
async def add_item(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: ItemIn
) -> RequestOut:
    async with deps.db.transaction() as conn:
        row = await require_request(conn, principal, path_uuid(request, "request_id"), lock=True)
        domain.require_open_request(row.closed_at is not None, row.status)
        items = await store.lock_items(conn, row.firm_id, row.id)
        item = await requesting.add_item(
            conn, row, body, len(items), deps.settings.reminder_hour_utc, _now(), "body"
        )
        row = await requesting.restatus(conn, row, [*items, item])
        event = RequestItemAdded(
            request_id=row.id, client_id=row.client_id, request_title=row.title,
            item=requesting.requested(item), status=row.status,
            contacts=await requesting.audience_now(conn, row),
        )  # fmt: skip
        await requesting.announce(conn, row, event, principal.user_id)
        return await _one(conn, row)


@api.patch(
    ITEM, summary="Edit an item that is not accepted yet (title, description, due date, folder)",
    access="staff", body=ItemChange, response=RequestOut, errors=(404, 409, 422),
)  # fmt: skip
async def edit_item(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: ItemChange
) -> RequestOut:
    now, hour = _now(), deps.settings.reminder_hour_utc
    async with deps.db.transaction() as conn:
        row, item = await _locked_item(conn, principal, request, "edit")
        if body.folder_id is not None:
            await requesting.require_item_folder(conn, row.firm_id, row.client_id,
                                                 body.folder_id, "folder_id")  # fmt: skip
        if body.due_date is not None:
            requesting.require_future(body.due_date, now.date(), "due_date")
        due = body.due_date or item.due_date
        waiting = item.status in domain.WAITING_FOR_CUSTOMER
        changed = await store.update_item(
            conn, item, title=body.title or item.title,
            description=item.description if body.description is None else body.description,
            due_date=due, folder_id=body.folder_id or item.folder_id, status=item.status,
            return_reason=item.return_reason,
            next_reminder_at=domain.next_reminder(due, row.schedule, hour, after=now,
                                                  sent=item.reminders_sent) if waiting else None,
        )  # fmt: skip
        event = RequestItemChanged(
            request_id=row.id, client_id=row.client_id, request_title=row.title,
            item=requesting.requested(changed), contacts=await requesting.audience_now(conn, row),
        )  # fmt: skip
        await requesting.announce(conn, row, event, principal.user_id)
        return await _one(conn, row)


async def _locked_item(
    conn: Connection, principal: Principal, request: web.Request, change: domain.ItemChange
) -> tuple[RequestRow, ItemRow]:
    """The request (locked, open) and its item, which must allow `change`."""
    row = await require_request(conn, principal, path_uuid(request, "request_id"), lock=True)
    item = requesting.find_item(await store.lock_items(conn, row.firm_id, row.id),
                                path_uuid(request, "item_id"))  # fmt: skip
    domain.require_open_request(row.closed_at is not None, row.status)
    domain.item_moves(item.status, change)
    return row, item


async def _move(
    deps: DocumentsDeps, principal: Principal, request: web.Request, change: domain.ItemChange,
    reason: str = "",
) -> RequestOut:  # fmt: skip
    """Accept, return or remove (cancel) an item, and restate the request."""
    now, hour = _now(), deps.settings.reminder_hour_utc
    async with deps.db.transaction() as conn:
        row, item = await _locked_item(conn, principal, request, change)
        # A returned item waits for the customer again: its reminders resume.
        again = change == "return"
        at = domain.next_reminder(item.due_date, row.schedule, hour, after=now,
                                  sent=item.reminders_sent) if again else None  # fmt: skip
        moved = await requesting.move_item(
            conn, item, domain.item_moves(item.status, change), reason=reason,
            next_reminder_at=at,
        )  # fmt: skip
        items = await store.list_items(conn, row.firm_id, [row.id])
        row = await requesting.restatus(conn, row, items)
        await requesting.announce_status(conn, row, moved, principal.user_id)
        return await _one(conn, row)


@api.delete(
    ITEM, summary="Remove an item that is not accepted yet (it stays, cancelled, for the record)",
    access="staff", response=RequestOut, errors=(404, 409),
)  # fmt: skip
async def remove_item(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> RequestOut:
    return await _move(deps, principal, request, "cancel")


@api.post(
    f"{ITEM}/accept", summary="Accept a submitted item: it is fulfilled",
    access="staff", response=RequestOut, errors=(404, 409),
)  # fmt: skip
async def accept_item(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> RequestOut:
    return await _move(deps, principal, request, "accept")


@api.post(
    f"{ITEM}/return", summary="Return a submitted item to the customer, with a reason",
    access="staff", body=ReturnIn, response=RequestOut, errors=(404, 409, 422),
)  # fmt: skip
async def return_item(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: ReturnIn
) -> RequestOut:
    return await _move(deps, principal, request, "return", body.reason)


@api.post(
    f"{ITEM}/files",
    summary="Upload a file against an item (a contact asked): stored in the item's folder, "
    "whatever that folder's own customer level; the item becomes submitted",
    access="contact", query=UploadQuery, raw_body="application/octet-stream",
    response=DocumentOut, status=201, errors=(402, 404, 409, 411, 413, 415, 422, 503),
)  # fmt: skip
async def upload_file(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: UploadQuery
) -> DocumentOut:
    request_id, item_id = path_uuid(request, "request_id"), path_uuid(request, "item_id")
    async with deps.db.transaction(readonly=True) as conn:
        row = await require_request(conn, principal, request_id)
        item = requesting.find_item(await store.list_items(conn, row.firm_id, [row.id]), item_id)
        domain.require_open_request(row.closed_at is not None, row.status)
        domain.item_moves(item.status, "submit")
        folder = await requesting.folder_of(conn, row, item)
    size = declared_size(request, deps.settings.max_upload_bytes)
    who = uploading.Uploader(principal.user_id, principal.kind)
    upload = await uploading.begin(deps, uploading.new_upload(folder, query.name, size, who,
                                                              "stream"))  # fmt: skip
    chunks = request.content.iter_chunked(deps.settings.read_chunk_bytes)
    attachment = requesting.attachment(principal, request_id, item_id)
    return DocumentOut.of(await uploading.stream(deps, upload, chunks, attachment=attachment))
