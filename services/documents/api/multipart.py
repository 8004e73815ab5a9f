"""Resumable uploads for large files: initiate (bytes reserved now), send parts in any order
and again after an interruption, see which parts arrived, complete or abort."""

from __future__ import annotations

import hashlib
from math import ceil
from typing import TYPE_CHECKING

from aiohttp import web

from services.documents import domain, uploading
from services.documents.access import require_folder
from services.documents.domain import SNIFF_BYTES, content_type
from services.documents.models import DocumentOut, MultipartCreate, MultipartOut, NewPart, UploadRow
from services.documents.store import documents as document_store
from services.documents.store import uploads as store
from services.documents.uploading import parts as bucket
from services.documents.uploading.streaming import Received
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("uploads")

CLOSED = {
    "stored": "This upload is being completed.",
    "done": "This upload is already complete.",
    "failed": "This upload was aborted or lapsed; start a new one.",
}


@api.post(
    "/api/v1/folders/{folder_id}/uploads",
    summary="Start a resumable upload; its size is reserved in billing now",
    body=MultipartCreate,
    response=MultipartOut,
    status=201,
    errors=(402, 404, 409, 413),
)
async def initiate(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: MultipartCreate
) -> MultipartOut:
    if body.size > deps.settings.max_upload_bytes:
        raise domain.FileTooLarge(body.size, deps.settings.max_upload_bytes)
    async with deps.db.transaction(readonly=True) as conn:
        folder = (await require_folder(conn, principal, path_uuid(request, "folder_id"),
                                       "upload")).folder  # fmt: skip
        existing = await document_store.get_by_name(conn, folder.firm_id, folder.id, body.name)
    domain.placement(
        domain.Existing(existing.id, existing.finalised_at is not None) if existing else None
    )
    who = uploading.Uploader(principal.user_id, principal.kind)
    pending = uploading.new_upload(
        folder, body.name, body.size, who, "multipart", deps.settings.part_size_bytes
    )
    upload = await uploading.begin(deps, pending)
    try:
        s3_id = await bucket.create_multipart(
            deps.store, upload.object_key, "application/octet-stream"
        )
        async with deps.db.transaction() as conn:
            await store.set_s3_upload_id(conn, upload.firm_id, upload.id, s3_id)
    except BaseException:
        await uploading.undo(deps, upload)
        raise
    return _out(upload, [])


@api.put(
    "/api/v1/uploads/{upload_id}/parts/{number}",
    summary="Send (or resend) one part; every part but the last is exactly part_size bytes",
    raw_body="application/octet-stream",
    response=MultipartOut,
    errors=(404, 409, 422),
)
async def put_part(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> MultipartOut:
    upload = await _own(deps, principal, request)
    number = _part_number(request, upload)
    data = await request.content.readexactly(_part_length(upload, number, request))
    etag = await bucket.put_part(
        deps.store, upload.object_key, upload.s3_upload_id or "", number, data
    )
    async with deps.db.transaction() as conn:
        part = NewPart(upload_id=upload.id, number=number, etag=etag, size=len(data))
        await store.upsert_part(conn, part)
        parts = await store.list_parts(conn, upload.id)
    return _out(upload, parts)


@api.get(
    "/api/v1/uploads/{upload_id}",
    summary="A resumable upload and the parts received so far",
    response=MultipartOut,
    errors=(404,),
)
async def status(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> MultipartOut:
    upload = await _own(deps, principal, request, open_only=False)
    async with deps.db.transaction(readonly=True) as conn:
        return _out(upload, await store.list_parts(conn, upload.id))


@api.post(
    "/api/v1/uploads/{upload_id}/complete",
    summary="Join the parts into the document (or a new version of it)",
    response=DocumentOut,
    status=201,
    errors=(404, 409, 415, 422),
)
async def complete(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> DocumentOut:
    upload = await _own(deps, principal, request)
    async with deps.db.transaction(readonly=True) as conn:
        parts = await store.list_parts(conn, upload.id)
    if [n for n, _, _ in parts] != list(range(1, _count(upload) + 1)):
        raise Conflict("Some parts are missing; send them and complete again.")
    try:
        await bucket.complete(deps.store, upload.object_key, upload.s3_upload_id or "",
                                    [(n, etag) for n, etag, _ in parts])  # fmt: skip
        received = await _read_back(deps, upload)
        document = await uploading.catalogue(deps, upload, received)
    except BaseException:
        await uploading.undo(deps, upload)
        raise
    await uploading.settle(deps, upload)
    return DocumentOut.of(document)


@api.delete(
    "/api/v1/uploads/{upload_id}",
    summary="Abort: the parts are dropped and the reservation released",
    status=204,
    errors=(404, 409),
)
async def abort(request: web.Request, *, deps: DocumentsDeps, principal: Principal) -> None:
    await uploading.undo(deps, await _own(deps, principal, request))


async def _own(
    deps: DocumentsDeps, principal: Principal, request: web.Request, *, open_only: bool = True
) -> UploadRow:
    """A resumable upload is visible only to the person who started it."""
    async with deps.db.transaction(readonly=True) as conn:
        upload = await store.get_upload(conn, principal.firm_id, path_uuid(request, "upload_id"))
    if upload is None or upload.kind != "multipart" or upload.created_by != principal.user_id:
        raise NotFound("No such upload.")
    if open_only and upload.state != "open":
        raise Conflict(CLOSED[upload.state])
    return upload


def _count(upload: UploadRow) -> int:
    return max(1, ceil(upload.size / upload.part_size))


def _part_number(request: web.Request, upload: UploadRow) -> int:
    raw = request.match_info["number"]
    if not raw.isdigit() or not 1 <= int(raw) <= _count(upload):
        raise Invalid(f"Part numbers run from 1 to {_count(upload)}.", field="number")
    return int(raw)


def _part_length(upload: UploadRow, number: int, request: web.Request) -> int:
    expected = min(upload.part_size, upload.size - (number - 1) * upload.part_size)
    if request.content_length != expected:
        raise Invalid(f"Part {number} must be exactly {expected} bytes.", field="body")
    return expected


async def _read_back(deps: DocumentsDeps, upload: UploadRow) -> Received:
    """Parts may have come in any order and from several processes: hash the joined object."""
    hasher, head, size = hashlib.sha256(), b"", 0
    async for chunk in deps.store.chunks(upload.object_key, deps.settings.download_chunk_bytes):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        hasher.update(chunk)
        size += len(chunk)
    if size != upload.size:
        raise Invalid(f"The parts add up to {size} bytes, not {upload.size}.", field="size")
    return Received(size, hasher.hexdigest(), content_type(upload.name, head))


def _out(upload: UploadRow, parts: list[tuple[int, str, int]]) -> MultipartOut:
    return MultipartOut(
        id=upload.id, name=upload.name, size=upload.size, part_size=upload.part_size,
        parts=[n for n, _, _ in parts], state=upload.state,
    )  # fmt: skip
