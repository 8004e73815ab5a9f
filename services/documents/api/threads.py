"""Message threads per client, between the firm's staff who see the client and the portal
contacts a thread includes: messages with files (stored like uploads, in the folder the firm
chose for the client's message attachments, counted against the quota), unread counts, read
receipts, edits within 15 minutes (the earlier text kept, for staff), deletion until another
participant has read the message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from aiohttp import web

from services.documents import domain, messaging, uploading
from services.documents.access import require_client, require_thread
from services.documents.api.documents import declared_size
from services.documents.models import (
    MessageChange,
    MessageIn,
    NewThread,
    ThreadFile,
    ThreadFolderIn,
    ThreadFolderOut,
    ThreadIn,
    ThreadList,
    ThreadOut,
    UploadQuery,
)
from services.documents.store import folders as folder_store
from services.documents.store import threads as store
from services.documents.store.replicas import list_standings
from shared.auth import Principal
from shared.bus import put
from shared.errors import Invalid, NotFound
from shared.events.documents import MessageDeleted, MessageEdited, ThreadStarted
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("threads")
LIMIT = 200
FOLDER = "/api/v1/clients/{client_id}/threads/folder"
MESSAGE = "/api/v1/threads/{thread_id}/messages/{message_id}"


def _now() -> datetime:
    return datetime.now(UTC)


@api.put(
    FOLDER, summary="Choose the client's folder for message attachments",
    access="staff", body=ThreadFolderIn, response=ThreadFolderOut, errors=(404, 422),
)  # fmt: skip
async def choose_folder(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: ThreadFolderIn
) -> ThreadFolderOut:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction() as conn:
        await require_client(conn, principal, client_id, wait=deps.settings.replica_wait_seconds)
        folder = await folder_store.get_folder(conn, principal.firm_id, body.folder_id)
        if folder is None or folder.client_id != client_id:
            raise Invalid("No such folder at this client.", field="folder_id")
        await store.upsert_thread_folder(conn, principal.firm_id, client_id, folder.id)
    return ThreadFolderOut(folder_id=folder.id)


@api.get(
    FOLDER, summary="The client's folder for message attachments (none: files are refused)",
    response=ThreadFolderOut, errors=(404, 503),
)  # fmt: skip
async def chosen_folder(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> ThreadFolderOut:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction(readonly=True) as conn:
        await require_client(conn, principal, client_id, wait=deps.settings.replica_wait_seconds)
        folder_id = await store.get_thread_folder(conn, principal.firm_id, client_id)
    return ThreadFolderOut(folder_id=folder_id)


@api.post(
    "/api/v1/clients/{client_id}/threads",
    summary="Start a thread: staff include chosen portal contacts; a contact's includes them",
    body=ThreadIn, response=ThreadOut, status=201, errors=(404, 422, 503),
)  # fmt: skip
async def start_thread(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: ThreadIn
) -> ThreadOut:
    client_id, now = path_uuid(request, "client_id"), _now()
    async with deps.db.transaction() as conn:
        standing = await require_client(
            conn, principal, client_id, wait=deps.settings.replica_wait_seconds
        )
        if standing is None:
            standings = await list_standings(conn, principal.firm_id, client_id)
            contacts = domain.thread_contacts(body.contacts or [], standings)
        elif body.contacts is not None:
            raise Invalid("A contact's thread includes them; name no contacts.", field="contacts")
        else:
            contacts = [principal.user_id]
        new = NewThread(
            id=uuid4(), firm_id=principal.firm_id, client_id=client_id, subject=body.subject,
            started_by=principal.user_id, started_by_kind=principal.kind,
        )  # fmt: skip
        thread = await store.insert_thread(conn, new, contacts)
        event = ThreadStarted(
            thread_id=thread.id, client_id=client_id, subject=thread.subject,
            started_by_kind=principal.kind, contacts=contacts,  # type: ignore[arg-type]
        )  # fmt: skip
        await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
        await messaging.post(conn, thread, principal, body.body, [], now)
        return await messaging.shaped(conn, thread, principal)


@api.get(
    "/api/v1/clients/{client_id}/threads",
    summary="The client's threads, latest first, with the caller's unread count (a contact: "
    "those including them)",
    response=ThreadList, errors=(404, 503),
)  # fmt: skip
async def client_threads(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> ThreadList:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction(readonly=True) as conn:
        standing = await require_client(
            conn, principal, client_id, wait=deps.settings.replica_wait_seconds
        )
        contact = None if standing is None else principal.user_id
        rows = await store.list_threads(
            conn, principal.firm_id, client_id, contact, principal.user_id, LIMIT
        )
    return ThreadList(threads=rows)


@api.get(
    "/api/v1/threads/{thread_id}",
    summary="A thread with its messages, files and read receipts (staff also see earlier "
    "texts of edited messages)",
    response=ThreadOut, errors=(404, 503),
)  # fmt: skip
async def get_thread(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> ThreadOut:
    async with deps.db.transaction(readonly=True) as conn:
        thread = await require_thread(conn, principal, path_uuid(request, "thread_id"))
        return await messaging.shaped(conn, thread, principal)


@api.post(
    "/api/v1/threads/{thread_id}/messages",
    summary="Post a message, with files uploaded for it",
    body=MessageIn, response=ThreadOut, status=201, errors=(404, 422, 503),
)  # fmt: skip
async def post_message(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: MessageIn
) -> ThreadOut:
    async with deps.db.transaction() as conn:
        thread = await require_thread(conn, principal, path_uuid(request, "thread_id"), lock=True)
        await messaging.post(conn, thread, principal, body.body, body.attachments, _now())
        return await messaging.shaped(conn, thread, principal)


@api.patch(
    MESSAGE, summary="Edit one's own message within 15 minutes (the earlier text is kept)",
    body=MessageChange, response=ThreadOut, errors=(404, 409, 422, 503),
)  # fmt: skip
async def edit_message(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: MessageChange
) -> ThreadOut:
    now = _now()
    async with deps.db.transaction() as conn:
        thread = await require_thread(conn, principal, path_uuid(request, "thread_id"))
        message = await store.lock_message(conn, thread.firm_id, thread.id,
                                           path_uuid(request, "message_id"))  # fmt: skip
        if message is None:
            raise NotFound("No such message.")
        domain.require_editable(
            author_id=message.author_id, editor_id=principal.user_id,
            created_at=message.created_at, deleted=message.deleted_at is not None, now=now,
        )  # fmt: skip
        await store.edit_message(conn, message, body.body, now)
        event = MessageEdited(thread_id=thread.id, message_id=message.id,
                              client_id=thread.client_id)  # fmt: skip
        await put(conn, event, firm_id=thread.firm_id, actor=principal.user_id)
        return await messaging.shaped(conn, thread, principal)


@api.delete(
    MESSAGE, summary="Delete one's own message while no other participant has read it",
    status=204, errors=(404, 409, 503),
)  # fmt: skip
async def delete_message(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> None:
    async with deps.db.transaction() as conn:
        thread = await require_thread(conn, principal, path_uuid(request, "thread_id"))
        message = await store.lock_message(conn, thread.firm_id, thread.id,
                                           path_uuid(request, "message_id"))  # fmt: skip
        if message is None:
            raise NotFound("No such message.")
        domain.require_deletable(
            author_id=message.author_id, deleter_id=principal.user_id,
            readers=await store.readers_of(conn, thread.firm_id, message.id),
            deleted=message.deleted_at is not None,
        )  # fmt: skip
        await store.delete_message(conn, message, _now())
        event = MessageDeleted(thread_id=thread.id, message_id=message.id,
                               client_id=thread.client_id)  # fmt: skip
        await put(conn, event, firm_id=thread.firm_id, actor=principal.user_id)


@api.post(
    "/api/v1/threads/{thread_id}/read",
    summary="Mark every message in the thread read by the caller",
    status=204, errors=(404, 503),
)  # fmt: skip
async def mark_read(request: web.Request, *, deps: DocumentsDeps, principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        thread = await require_thread(conn, principal, path_uuid(request, "thread_id"))
        await store.mark_read(conn, thread.firm_id, thread.id, principal.user_id, _now())


@api.post(
    "/api/v1/threads/{thread_id}/files",
    summary="Upload a file for one's next message in the thread (stored in the client's "
    "folder for message attachments, counted against the firm's storage)",
    query=UploadQuery, raw_body="application/octet-stream", response=ThreadFile, status=201,
    errors=(402, 404, 409, 411, 413, 415, 422, 503),
)  # fmt: skip
async def upload_file(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: UploadQuery
) -> ThreadFile:
    async with deps.db.transaction(readonly=True) as conn:
        thread = await require_thread(conn, principal, path_uuid(request, "thread_id"))
        folder = await messaging.attachment_folder(conn, thread)
    size = declared_size(request, deps.settings.max_upload_bytes)
    who = uploading.Uploader(principal.user_id, principal.kind)
    upload = await uploading.begin(deps, uploading.new_upload(folder, query.name, size, who,
                                                              "stream"))  # fmt: skip
    chunks = request.content.iter_chunked(deps.settings.read_chunk_bytes)
    attachment = messaging.attachment(principal, thread)
    document = await uploading.stream(deps, upload, chunks, attachment=attachment)
    return ThreadFile(document_id=document.id, version_id=document.current_version_id,
                      name=document.name, size=document.size)  # type: ignore[arg-type]  # fmt: skip
