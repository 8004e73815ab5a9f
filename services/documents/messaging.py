"""Message threads: a thread as one principal sees it (their unread count, read receipts,
earlier texts for staff), posting a message with the files uploaded for it, and storing a file
for a thread through the normal upload path (quota, sniffing, size limit) in the folder the
firm chose for the client's message attachments."""

from collections import defaultdict
from datetime import datetime
from uuid import UUID, uuid4

from services.documents import domain, uploading
from services.documents.models import (
    DocumentRow,
    FolderRow,
    MessageOut,
    MessageRow,
    NewMessage,
    PreviousText,
    ReadReceipt,
    ThreadFile,
    ThreadOut,
    ThreadRow,
)
from services.documents.store import documents as document_store
from services.documents.store import folders as folder_store
from services.documents.store import threads as store
from shared.auth import Principal
from shared.bus import put
from shared.database import Connection
from shared.errors import Conflict, Invalid
from shared.events.documents import MessagePosted


async def shaped(conn: Connection, thread: ThreadRow, principal: Principal) -> ThreadOut:
    firm_id = thread.firm_id
    reads: dict[UUID, list[ReadReceipt]] = defaultdict(list)
    for message_id, receipt in await store.list_reads(conn, firm_id, thread.id):
        reads[message_id].append(receipt)
    files: dict[UUID, list[ThreadFile]] = defaultdict(list)
    for message_id, file in await store.list_files(conn, firm_id, thread.id):
        files[message_id].append(file)
    edits: dict[UUID, list[PreviousText]] = defaultdict(list)
    if principal.is_staff:
        for message_id, previous in await store.list_edits(conn, firm_id, thread.id):
            edits[message_id].append(previous)
    messages = [
        _message(m, files[m.id], reads[m.id], edits[m.id] if principal.is_staff else None)
        for m in await store.list_messages(conn, firm_id, thread.id)
    ]
    unread = await store.unread_in(conn, firm_id, thread.id, principal.user_id)
    return ThreadOut(**thread.model_dump(exclude={"firm_id"}), unread=unread, messages=messages)


def _message(
    row: MessageRow, files: list[ThreadFile], reads: list[ReadReceipt],
    previous: list[PreviousText] | None,
) -> MessageOut:  # fmt: skip
    deleted = row.deleted_at is not None
    return MessageOut(
        id=row.id, author_id=row.author_id, author_kind=row.author_kind, body=row.body,
        created_at=row.created_at, edited_at=row.edited_at, deleted=deleted,
        attachments=[] if deleted else files, read_by=reads, previous=previous,
    )  # fmt: skip


async def post(
    conn: Connection, thread: ThreadRow, principal: Principal, body: str,
    attachments: list[UUID], now: datetime,
) -> MessageRow:  # fmt: skip
    """A message in the thread (with files this person uploaded for it), the thread's time
    moved on, and the event that tells the others."""
    new = NewMessage(
        id=uuid4(), firm_id=thread.firm_id, thread_id=thread.id, author_id=principal.user_id,
        author_kind=principal.kind, body=body,
    )  # fmt: skip
    message = await store.insert_message(conn, new)
    wanted = sorted(set(attachments))
    attached = await store.attach_files(conn, thread, principal.user_id, wanted, message.id)
    if attached != set(wanted):
        raise Invalid(
            "Attach only files you uploaded into this thread and have not attached yet.",
            field="attachments",
        )
    await store.touch_thread(conn, thread.firm_id, thread.id, now)
    names = [f.name for m, f in await store.list_files(conn, thread.firm_id, thread.id)
             if m == message.id]  # fmt: skip
    event = MessagePosted(
        thread_id=thread.id, message_id=message.id, client_id=thread.client_id,
        subject=thread.subject, author_kind=principal.kind,  # type: ignore[arg-type]
        body=body, attachments=names, contacts=thread.contacts,
    )  # fmt: skip
    await put(conn, event, firm_id=thread.firm_id, actor=principal.user_id)
    return message


async def attachment_folder(conn: Connection, thread: ThreadRow) -> FolderRow:
    """The folder the client's message attachments go to; none chosen (or deleted since) is a
    conflict the firm resolves."""
    folder_id = await store.get_thread_folder(conn, thread.firm_id, thread.client_id)
    folder = folder_id and await folder_store.get_folder(conn, thread.firm_id, folder_id)
    if not folder or folder.client_id != thread.client_id:
        raise Conflict("The firm has not chosen a folder for this client's message attachments.")
    return folder


def attachment(principal: Principal, thread: ThreadRow) -> uploading.Attachment:
    """A file for a thread never becomes a version of another document: a taken name gets a
    free one; it waits, unattached, for its uploader's next message."""

    async def name(conn: Connection, folder: FolderRow, wanted: str) -> str:
        taken = await document_store.names_in(conn, folder.firm_id, folder.id)
        return domain.unique_name(wanted, taken)

    async def link(conn: Connection, document: DocumentRow, version_id: UUID) -> None:
        file = ThreadFile(document_id=document.id, version_id=version_id, name=document.name,
                          size=document.size)  # fmt: skip
        await store.insert_file(conn, thread, principal.user_id, file)

    return uploading.Attachment(name, link)
