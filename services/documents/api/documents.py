"""Documents in a folder: upload (a known name adds a version), list, rename, finalise, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from aiohttp import web

from services.documents import deleting, domain, uploading
from services.documents.access import require_document, require_folder
from services.documents.models import (
    DocumentChange,
    DocumentOut,
    DocumentPage,
    DocumentQuery,
    DocumentRow,
    NewAccess,
    UploadQuery,
    VersionList,
    VersionOut,
)
from services.documents.store import activity
from services.documents.store import documents as store
from shared.auth import Principal
from shared.bus import put
from shared.database import Connection
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.documents import DocumentDeleted, DocumentFinalised
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("documents")


@api.post(
    "/api/v1/folders/{folder_id}/documents",
    summary="Upload a file (streamed); a name that exists in the folder gets a new version",
    query=UploadQuery,
    raw_body="application/octet-stream",
    response=DocumentOut,
    status=201,
    errors=(402, 404, 409, 411, 413, 415, 422),
)
async def upload(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: UploadQuery
) -> DocumentOut:
    folder_id = path_uuid(request, "folder_id")
    async with deps.db.transaction(readonly=True) as conn:
        folder = (await require_folder(conn, principal, folder_id, "upload")).folder
        existing = await store.get_by_name(conn, principal.firm_id, folder_id, query.name)
    domain.placement(
        domain.Existing(existing.id, existing.finalised_at is not None) if existing else None
    )
    size = declared_size(request, deps.settings.max_upload_bytes)
    who = uploading.Uploader(principal.user_id, principal.kind)
    pending = uploading.new_upload(folder, query.name, size, who, "stream")
    upload = await uploading.begin(deps, pending)
    chunks = request.content.iter_chunked(deps.settings.read_chunk_bytes)
    return DocumentOut.of(await uploading.stream(deps, upload, chunks))


def declared_size(request: web.Request, limit: int) -> int:
    size = request.content_length
    if size is None:
        raise domain.LengthRequired(
            "Send Content-Length, or use a resumable upload for a body of unknown length."
        )
    if size == 0:
        # As a resumable upload's declared size, a file must have bytes: billing holds none.
        raise Invalid("The file is empty: there is nothing to store.", field="body")
    if size > limit:
        raise domain.FileTooLarge(size, limit)
    return size


@api.get(
    "/api/v1/folders/{folder_id}/documents",
    summary="A page of the folder's documents, sorted, searchable by name",
    query=DocumentQuery,
    response=DocumentPage,
    errors=(404,),
)
async def list_documents(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: DocumentQuery
) -> DocumentPage:
    folder_id = path_uuid(request, "folder_id")
    async with deps.db.transaction(readonly=True) as conn:
        folder = (await require_folder(conn, principal, folder_id, "read")).folder
        rows, total = await store.page_documents(
            conn, principal.firm_id, folder_id, limit=query.limit, offset=query.offset,
            sort=query.sort, order=query.order, q=query.q, folder_total=folder.document_count,
        )  # fmt: skip
    return DocumentPage(
        documents=[DocumentOut.of(r) for r in rows], total=total, limit=query.limit,
        offset=query.offset,
    )  # fmt: skip


@api.get(
    "/api/v1/documents/{document_id}",
    summary="One document (the view is written to the access log)",
    response=DocumentOut,
    errors=(404,),
)
async def get_document(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> DocumentOut:
    document_id = path_uuid(request, "document_id")
    async with deps.db.transaction() as conn:
        document, _ = await require_document(conn, principal, document_id)
        access = NewAccess(
            firm_id=document.firm_id, document_id=document.id,
            version_id=document.current_version_id, user_id=principal.user_id,
            user_kind=principal.kind, method="view",
        )  # fmt: skip
        await activity.insert_access(conn, access)
    return DocumentOut.of(document)


@api.patch(
    "/api/v1/documents/{document_id}",
    summary="Rename a document",
    access="staff",
    body=DocumentChange,
    response=DocumentOut,
    errors=(404, 409, 422),
)
async def rename(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: DocumentChange
) -> DocumentOut:
    document_id = path_uuid(request, "document_id")
    async with deps.db.transaction() as conn:
        document, _ = await require_document(conn, principal, document_id, lock=True)
        domain.require_changeable(document.finalised_at is not None)
        renamed = await store.rename_document(conn, principal.firm_id, document_id, body.name)
        if renamed is None:
            raise Conflict("A document with this name already exists here.", field="name")
    return DocumentOut.of(renamed)


@api.post(
    "/api/v1/documents/{document_id}/finalise",
    summary="Finalise: no new versions, no rename, no delete, for anyone",
    access="staff",
    response=DocumentOut,
    errors=(404, 409),
)
async def finalise(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> DocumentOut:
    document_id = path_uuid(request, "document_id")
    async with deps.db.transaction() as conn:
        document, _ = await require_document(conn, principal, document_id, lock=True)
        domain.require_changeable(document.finalised_at is not None)
        document = await store.finalise_document(conn, principal.firm_id, document_id)
        event = DocumentFinalised(document_id=document.id, client_id=document.client_id,
                                  folder_id=document.folder_id, name=document.name)  # fmt: skip
        await put(conn, event, firm_id=document.firm_id, actor=principal.user_id)
    return DocumentOut.of(document)


@api.get(
    "/api/v1/documents/{document_id}/versions",
    summary="The document's versions, newest first",
    response=VersionList,
    errors=(404,),
)
async def versions(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> VersionList:
    document_id = path_uuid(request, "document_id")
    async with deps.db.transaction(readonly=True) as conn:
        await require_document(conn, principal, document_id)
        rows = await store.list_versions(conn, principal.firm_id, document_id)
    return VersionList(versions=[VersionOut(**r.model_dump()) for r in rows])


@api.delete(
    "/api/v1/documents/{document_id}",
    summary="Delete a document and all its versions (frees the bytes)",
    status=204,
    errors=(404, 409),
)
async def delete_document(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> None:
    document_id = path_uuid(request, "document_id")
    async with deps.db.transaction() as conn:
        document = await _deletable(conn, principal, document_id)
        gone = await store.list_versions(conn, principal.firm_id, document_id)
        await deleting.owe(conn, principal.firm_id, gone)
        await store.delete_document(conn, principal.firm_id, document_id)
        await _announce_deletion(conn, document, None, sum(v.size for v in gone), principal)
    await deleting.pay(deps, [v.id for v in gone])


@api.delete(
    "/api/v1/documents/{document_id}/versions/{version_id}",
    summary="Delete one version (not the only one: delete the document instead)",
    status=204,
    errors=(404, 409),
)
async def delete_version(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> None:
    document_id, version_id = path_uuid(request, "document_id"), path_uuid(request, "version_id")
    async with deps.db.transaction() as conn:
        document = await _deletable(conn, principal, document_id)
        version = await store.get_version(conn, principal.firm_id, document_id, version_id)
        if version is None:
            raise NotFound("No such version.")
        if document.version_count <= 1:
            raise Conflict("This is the only version: delete the document instead.")
        await deleting.owe(conn, principal.firm_id, [version])
        await store.delete_version(conn, principal.firm_id, document_id, version_id)
        await _announce_deletion(conn, document, version_id, version.size, principal)
    await deleting.pay(deps, [version_id])


async def _deletable(conn: Connection, principal: Principal, document_id: UUID) -> DocumentRow:
    """Staff delete any unfinalised document; contacts only their own uploads in folders where
    they may upload (a contact who can see the document but not delete it gets 403)."""
    locked, seen = await require_document(conn, principal, document_id, lock=True)
    if not principal.is_staff and not domain.contact_may_delete(
        finalised=False, uploaded_by_them=locked.created_by == principal.user_id,
        may_upload_here=seen.allows("upload"),
    ):  # fmt: skip
        raise Forbidden("Customers may delete only their own uploads, where they may upload.")
    domain.require_changeable(locked.finalised_at is not None)
    return locked


async def _announce_deletion(
    conn: Connection, document: DocumentRow, version_id: UUID | None, size: int,
    principal: Principal,
) -> None:  # fmt: skip
    event = DocumentDeleted(
        document_id=document.id, version_id=version_id, client_id=document.client_id,
        folder_id=document.folder_id, name=document.name, bytes_freed=size,
    )  # fmt: skip
    await put(conn, event, firm_id=document.firm_id, actor=principal.user_id)
