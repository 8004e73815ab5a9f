"""One upload from start to settled: recorded → reserved → streamed → catalogued → committed.

The `uploads` row is committed before anything else happens, so whatever fails later (or
if the process dies) the reaper knows which object, S3 upload and reservation to undo.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from uuid import UUID, uuid4

from services.documents import domain
from services.documents.access import audience_of
from services.documents.models import (
    DocumentRow,
    FolderRow,
    NewDocument,
    NewUpload,
    NewVersion,
    UploadRow,
)
from services.documents.store import documents as document_store
from services.documents.store import folders as folder_store
from services.documents.store import uploads as upload_store
from services.documents.uploading import parts as bucket
from services.documents.uploading.streaming import Pipe, Received
from shared.bus import put
from shared.database import Connection
from shared.errors import Conflict, Invalid
from shared.events.documents import DocumentUploaded, DocumentVersionAdded

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uploader:
    """Who is storing the bytes: a staff user, a contact, or signing (on a staff's behalf)."""

    user_id: UUID
    kind: str  # "staff" | "contact" | "signing"


@dataclass(frozen=True)
class Attachment:
    """Bytes stored for something beside the folder itself (a document request's item),
    decided under the folder's lock in the transaction that catalogues them: `name` picks
    the name to store under (the wanted one, or another where the wanted one belongs to a
    document the uploader must not add a version to), and `link` records what the new
    version is for, so the two never part."""

    name: Callable[[Connection, FolderRow, str], Awaitable[str]]
    link: Callable[[Connection, DocumentRow, UUID], Awaitable[None]]


def new_upload(
    folder: FolderRow, name: str, size: int, who: Uploader, kind: str, part_size: int = 0,
    request_key: str | None = None,
) -> NewUpload:  # fmt: skip
    upload_id = uuid4()
    return NewUpload(
        id=upload_id, firm_id=folder.firm_id, kind=kind, folder_id=folder.id, name=name,
        object_key=f"{folder.firm_id}/{folder.client_id}/{upload_id}",
        reservation_key=f"upload:{upload_id}", size=size, part_size=part_size,
        created_by=who.user_id, created_by_kind=who.kind, request_key=request_key,
    )  # fmt: skip


async def begin(deps: DocumentsDeps, new: NewUpload) -> UploadRow:
    """Record the upload, then hold its bytes in billing (QuotaExceeded if refused)."""
    upload = await record(deps, new)
    await reserve(deps, upload)
    return upload


async def record(deps: DocumentsDeps, new: NewUpload) -> UploadRow:
    """Commit the upload's row before anything else: from then on the reaper can undo it."""
    async with deps.db.transaction() as conn:
        return await upload_store.insert_upload(conn, new)


async def reserve(deps: DocumentsDeps, upload: UploadRow) -> None:
    """Hold the recorded upload's bytes in billing; undo the upload if that fails."""
    try:
        await deps.billing.reserve(upload.firm_id, upload.created_by, upload.reservation_key,
                                   upload.size)  # fmt: skip
    except BaseException:
        await asyncio.shield(undo(deps, upload))
        raise


async def stream(
    deps: DocumentsDeps, upload: UploadRow, chunks: AsyncIterator[bytes], expected_sha256: str = "",
    attachment: Attachment | None = None,
) -> DocumentRow:  # fmt: skip
    """Store a begun upload's bytes and catalogue them; undo everything on any failure."""
    try:
        received = await _pipe(deps, upload).run(chunks)
        if expected_sha256 and received.sha256 != expected_sha256:
            raise Invalid("The bytes do not match the announced SHA-256.", field="sha256")
        document = await catalogue(deps, upload, received, attachment)
    except BaseException:
        await asyncio.shield(undo(deps, upload))
        raise
    await settle(deps, upload)
    return document


def _pipe(deps: DocumentsDeps, upload: UploadRow) -> Pipe:
    last = time.monotonic()

    async def on_multipart(s3_upload_id: str) -> None:
        async with deps.db.transaction() as conn:
            await upload_store.set_s3_upload_id(conn, upload.firm_id, upload.id, s3_upload_id)
        upload.s3_upload_id = s3_upload_id

    async def on_progress() -> None:
        nonlocal last
        if time.monotonic() - last >= deps.settings.heartbeat_seconds:
            last = time.monotonic()
            async with deps.db.transaction() as conn:
                await upload_store.touch_upload(conn, upload.firm_id, upload.id)

    settings = deps.settings
    return Pipe(
        deps.store, upload.object_key, upload.name, upload.size, settings.part_size_bytes,
        settings.parallel_parts, on_multipart, on_progress,
    )  # fmt: skip


async def catalogue(
    deps: DocumentsDeps, upload: UploadRow, received: Received,
    attachment: Attachment | None = None,
) -> DocumentRow:  # fmt: skip
    """Stored bytes become a document (or a new version of the one with that name)."""
    async with deps.db.transaction() as conn:
        if await upload_store.lock_open_upload(conn, upload.firm_id, upload.id) is None:
            raise Conflict("The upload was abandoned before it finished.")
        folder = await folder_store.lock_folder(conn, upload.firm_id, upload.folder_id)
        if folder is None:
            raise Conflict("The folder was deleted during the upload.")
        name = await attachment.name(conn, folder, upload.name) if attachment else upload.name
        document = await _place(conn, folder, upload, received, name)
        if attachment:
            await attachment.link(conn, document, document.current_version_id)  # type: ignore[arg-type]
        await upload_store.set_upload_state(conn, upload.firm_id, upload.id, "stored", document.id)
    deps.metrics.uploaded.inc(received.size)
    return document


async def _place(
    conn: Connection, folder: FolderRow, upload: UploadRow, received: Received, name: str
) -> DocumentRow:
    existing = await document_store.lock_by_name(conn, folder.firm_id, folder.id, name)
    found = existing and domain.Existing(existing.id, existing.finalised_at is not None)
    where = domain.placement(found or None)
    document_id = existing.id if existing else uuid4()
    if where == "new":
        new = NewDocument(
            id=document_id, firm_id=folder.firm_id, client_id=folder.client_id,
            folder_id=folder.id, name=name, created_by=upload.created_by,
            created_by_kind=upload.created_by_kind,
        )  # fmt: skip
        await document_store.insert_document(conn, new)
    version = NewVersion(
        id=uuid4(), document_id=document_id, firm_id=folder.firm_id,
        object_key=upload.object_key, size=received.size, sha256=received.sha256,
        content_type=received.content_type, reservation_key=upload.reservation_key,
        created_by=upload.created_by,
    )  # fmt: skip
    document = await document_store.insert_version(conn, version)
    await _announce(conn, folder, document, version, upload, where)
    return document


async def _announce(
    conn: Connection, folder: FolderRow, document: DocumentRow, version: NewVersion,
    upload: UploadRow, where: Literal["new", "version"],
) -> None:  # fmt: skip
    common = dict(
        document_id=document.id, version_id=version.id, client_id=folder.client_id,
        folder_id=folder.id, name=document.name, size=version.size,
        content_type=version.content_type, sha256=version.sha256,
        uploaded_by_kind=upload.created_by_kind, audience=await audience_of(conn, folder),
    )  # fmt: skip
    event = (
        DocumentUploaded(**common)
        if where == "new"
        else DocumentVersionAdded(number=document.version_count, **common)
    )
    await put(conn, event, firm_id=folder.firm_id, actor=upload.created_by)


async def settle(deps: DocumentsDeps, upload: UploadRow) -> None:
    """Commit the held bytes; if billing cannot be reached now the reaper commits later."""
    try:
        await deps.billing.commit(upload.firm_id, upload.reservation_key, upload.size)
    except Exception:
        log.warning("commit of %s postponed to the reaper", upload.reservation_key, exc_info=True)
        return
    async with deps.db.transaction() as conn:
        await upload_store.set_upload_state(conn, upload.firm_id, upload.id, "done")


async def undo(deps: DocumentsDeps, upload: UploadRow) -> None:
    """Remove whatever reached S3 and give the hold back; if that fails the reaper retries."""
    try:
        await discard_bytes(deps, upload)
        await deps.billing.release(upload.firm_id, upload.reservation_key)
        async with deps.db.transaction() as conn:
            await upload_store.set_upload_state(conn, upload.firm_id, upload.id, "failed")
    except Exception:
        log.warning("undo of upload %s left to the reaper", upload.id, exc_info=True)


async def discard_bytes(deps: DocumentsDeps, upload: UploadRow) -> None:
    s3_upload_id = upload.s3_upload_id
    if s3_upload_id is None:
        async with deps.db.transaction(readonly=True) as conn:
            row = await upload_store.get_upload(conn, upload.firm_id, upload.id)
        s3_upload_id = row.s3_upload_id if row else None
    if s3_upload_id:
        await bucket.abort(deps.store, upload.object_key, s3_upload_id)
    await bucket.remove(deps.store, upload.object_key)
