"""Document requests from asked to fulfilled. A request's status follows its items
(domain.request_status), every change is an event with the contacts it concerns, and a file
for an item goes through the normal upload path (quota, sniffing, size limit, versions), with
the item linked in the very transaction that catalogues the file."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID, uuid4

from services.documents import domain, uploading
from services.documents.models import (
    DocumentRow,
    FolderRow,
    ItemFile,
    ItemIn,
    ItemOut,
    ItemRow,
    NewItem,
    NewItemFile,
    RequestOut,
    RequestRow,
    ScheduleOut,
)
from services.documents.store import documents as document_store
from services.documents.store import folders as folder_store
from services.documents.store import replicas
from services.documents.store import requests as store
from shared.auth import Principal
from shared.bus import put
from shared.database import Connection
from shared.errors import Conflict, Invalid, NotFound
from shared.events.base import Event
from shared.events.documents import RequestedItem, RequestItemStatusChanged


async def audience_now(conn: Connection, request: RequestRow) -> list[UUID]:
    """The portal contacts the request reaches at this moment."""
    standings = await replicas.list_standings(conn, request.firm_id, request.client_id)
    return domain.request_audience(request.audience_all, request.audience, standings)


async def shaped(conn: Connection, rows: Sequence[RequestRow], today: date) -> list[RequestOut]:
    """Requests with their items and files, in two queries whatever their number."""
    if not rows:
        return []
    firm_id = rows[0].firm_id
    items = await store.list_items(conn, firm_id, [r.id for r in rows])
    files: dict[UUID, list[ItemFile]] = defaultdict(list)
    for item_id, file in await store.list_item_files(conn, firm_id, [i.id for i in items]):
        files[item_id].append(file)
    by_request: dict[UUID, list[ItemOut]] = defaultdict(list)
    for item in items:
        by_request[item.request_id].append(item_out(item, files[item.id], today))
    return [request_out(r, by_request[r.id]) for r in rows]


def item_out(item: ItemRow, files: list[ItemFile], today: date) -> ItemOut:
    return ItemOut(
        id=item.id, title=item.title, description=item.description, due_date=item.due_date,
        folder_id=item.folder_id, status=item.status, return_reason=item.return_reason,
        overdue=domain.overdue(item.due_date, item.status, today), files=files,
    )  # fmt: skip


def request_out(row: RequestRow, items: list[ItemOut]) -> RequestOut:
    s = row.schedule
    return RequestOut(
        id=row.id, client_id=row.client_id, title=row.title, message=row.message,
        audience="all" if row.audience_all else sorted(row.audience), status=row.status,
        reminders=ScheduleOut(days_before=list(s.days_before), on_due_date=s.on_due_date,
                              every_days_after=s.every_days_after, at_most=s.at_most),
        created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
        closed_at=row.closed_at, items=items,
    )  # fmt: skip


async def require_item_folder(
    conn: Connection, firm_id: UUID, client_id: UUID, folder_id: UUID, field: str
) -> FolderRow:
    folder = await folder_store.get_folder(conn, firm_id, folder_id)
    if folder is None or folder.client_id != client_id:
        raise Invalid("No such folder at this client.", field=field)
    return folder


def require_future(due: date, today: date, field: str) -> None:
    if due < today:
        raise Invalid("The due date has passed already.", field=field)


async def add_item(
    conn: Connection, request: RequestRow, body: ItemIn, position: int, hour: int, now: datetime,
    field: str,
) -> ItemRow:  # fmt: skip
    await require_item_folder(conn, request.firm_id, request.client_id, body.folder_id,
                              f"{field}.folder_id")  # fmt: skip
    require_future(body.due_date, now.date(), f"{field}.due_date")
    new = NewItem(
        id=uuid4(), firm_id=request.firm_id, request_id=request.id, position=position,
        title=body.title, description=body.description, due_date=body.due_date,
        folder_id=body.folder_id,
        next_reminder_at=domain.first_reminder(body.due_date, request.schedule, hour, now),
    )  # fmt: skip
    return await store.insert_item(conn, new)


def find_item(items: Sequence[ItemRow], item_id: UUID) -> ItemRow:
    for item in items:
        if item.id == item_id:
            return item
    raise NotFound("No such item.")


async def restatus(
    conn: Connection, request: RequestRow, items: Sequence[ItemRow], *,
    cancelled: bool = False, closed_at: datetime | None = None,
) -> RequestRow:  # fmt: skip
    """Store the request's status as its items now make it."""
    s = request.schedule
    status = domain.request_status([i.status for i in items], cancelled=cancelled)
    return await store.update_request(
        conn, request.firm_id, request.id, title=request.title, message=request.message,
        schedule=(list(s.days_before), s.on_due_date, s.every_days_after, s.at_most),
        status=status, closed_at=closed_at or request.closed_at,
    )  # fmt: skip


def replaced(items: Sequence[ItemRow], changed: ItemRow) -> list[ItemRow]:
    return [changed if i.id == changed.id else i for i in items]


async def move_item(
    conn: Connection, item: ItemRow, status: str, *, reason: str = "",
    next_reminder_at: datetime | None = None,
) -> ItemRow:  # fmt: skip
    return await store.update_item(
        conn, item, title=item.title, description=item.description, due_date=item.due_date,
        folder_id=item.folder_id, status=status, return_reason=reason,
        next_reminder_at=next_reminder_at,
    )  # fmt: skip


def requested(item: ItemRow) -> RequestedItem:
    return RequestedItem(item_id=item.id, title=item.title, due_date=item.due_date.isoformat(),
                         folder_id=item.folder_id)  # fmt: skip


async def announce(conn: Connection, request: RequestRow, event: Event, actor: UUID) -> None:
    await put(conn, event, firm_id=request.firm_id, actor=actor)


async def announce_status(
    conn: Connection, request: RequestRow, item: ItemRow, actor: UUID, *,
    document: DocumentRow | None = None,
) -> None:  # fmt: skip
    event = RequestItemStatusChanged(
        request_id=request.id, client_id=request.client_id, request_title=request.title,
        item_id=item.id, item_title=item.title, item_status=item.status,
        reason=item.return_reason, document_id=document.id if document else None,
        document_name=document.name if document else "", status=request.status,
        contacts=await audience_now(conn, request),
    )  # fmt: skip
    await announce(conn, request, event, actor)


def attachment(principal: Principal, request_id: UUID, item_id: UUID) -> uploading.Attachment:
    """How a contact's file for an item is stored: under its own name, unless that name is a
    document in the folder that no file of this item made (the contact may not even see the
    folder, so they never add a version to someone else's document: theirs gets a free
    name); then linked to the item, which becomes submitted."""

    async def name(conn: Connection, folder: FolderRow, wanted: str) -> str:
        existing = await document_store.get_by_name(conn, folder.firm_id, folder.id, wanted)
        ours = await store.item_documents(conn, folder.firm_id, item_id)
        if existing is None or existing.id in ours:
            return wanted
        return domain.unique_name(wanted, await document_store.names_in(conn, folder.firm_id,
                                                                        folder.id))  # fmt: skip

    async def link(conn: Connection, document: DocumentRow, version_id: UUID) -> None:
        request = await store.lock_request(conn, principal.firm_id, request_id)
        if request is None:
            raise NotFound("No such request.")
        domain.require_open_request(request.closed_at is not None, request.status)
        items = await store.lock_items(conn, principal.firm_id, request_id)
        item = find_item(items, item_id)
        status = domain.item_moves(item.status, "submit")
        submitted = await move_item(conn, item, status)
        file = NewItemFile(
            item_id=item_id, firm_id=document.firm_id, document_id=document.id,
            version_id=version_id, name=document.name, size=document.size,
            uploaded_by=principal.user_id,
        )  # fmt: skip
        await store.insert_item_file(conn, file)
        request = await restatus(conn, request, replaced(items, submitted))
        await announce_status(conn, request, submitted, principal.user_id, document=document)

    return uploading.Attachment(name, link)


async def folder_of(conn: Connection, request: RequestRow, item: ItemRow) -> FolderRow:
    """The folder the item's files go to; one deleted since is a conflict, not a 404 (the
    item is there)."""
    folder = await folder_store.get_folder(conn, request.firm_id, item.folder_id)
    if folder is None or folder.client_id != request.client_id:
        raise Conflict("The folder this item uploads to no longer exists; ask the firm.")
    return folder
