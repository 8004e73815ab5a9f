"""The RPCs served to signing: read a document a staff user may see, and store a sealed PDF
back next to it. Signing never touches this database or bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from services.documents import copying, domain, uploading
from services.documents.access import require_document, staff_principal
from services.documents.downloading import presigned_link, require_version
from services.documents.models import DocumentRow, UploadRow
from services.documents.store import documents as document_store
from services.documents.store import folders as folder_store
from services.documents.store import uploads as upload_store
from shared.database import Connection
from shared.errors import NotFound, Unavailable
from shared.events.base import Envelope
from shared.events.documents import (
    OpenForSigning,
    SigningSource,
    StoredDocument,
    StoreSignedDocument,
)

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

NOBODY = UUID(int=0)


async def open_for_signing(
    conn: Connection, request: OpenForSigning, envelope: Envelope, *, deps: DocumentsDeps
) -> SigningSource:
    principal = staff_principal(envelope.require_firm(), request.staff_id, request.staff_role)
    document, _ = await require_document(conn, principal, request.document_id)
    version = await require_version(conn, document, missing="No such document.")
    url = await presigned_link(deps.store, deps.settings.presign_ttl_seconds, document, version)
    return SigningSource(
        document_id=document.id, version_id=version.id, client_id=document.client_id,
        folder_id=document.folder_id, name=document.name, content_type=version.content_type,
        size=version.size, sha256=version.sha256, download_url=url,
        finalised=document.finalised_at is not None,
    )  # fmt: skip


async def store_signed(
    conn: Connection, request: StoreSignedDocument, envelope: Envelope, *, deps: DocumentsDeps
) -> StoredDocument:
    """Copy the sealed PDF in as a new document of the original's folder (a free name is
    chosen, so it never becomes a version of something else). The copy runs outside this
    handler's transaction (see `copying`) and commits in its own, keyed by the request, so a
    retry after "in progress" or a lost answer finds it done."""
    firm_id = envelope.require_firm()
    earlier = await upload_store.get_upload_by_request(conn, firm_id, request.idempotency_key)
    if earlier is not None:
        return await _earlier_result(conn, earlier)
    original = await document_store.get_document(conn, firm_id, request.original_document_id)
    folder = original and await folder_store.get_folder(conn, firm_id, original.folder_id)
    if not original or not folder:
        raise NotFound("No such document.")
    name = domain.unique_name(request.name, await document_store.names_in(conn, firm_id, folder.id))
    who = uploading.Uploader(envelope.actor or NOBODY, "signing")
    pending = uploading.new_upload(
        folder, name, request.size, who, "copy", request_key=request.idempotency_key
    )
    upload = await uploading.record(deps, pending)
    copy = deps.copies.start(deps, upload, request.source_url, request.sha256)
    return _stored(await copying.within(copy, deps.settings.signed_copy_wait_seconds))


async def _earlier_result(conn: Connection, earlier: UploadRow) -> StoredDocument:
    if earlier.state == "open" or earlier.result_document_id is None:
        raise Unavailable(copying.IN_PROGRESS)
    document = await document_store.get_document(conn, earlier.firm_id, earlier.result_document_id)
    if document is None:
        raise NotFound("The stored document has since been deleted.")
    return _stored(document)


def _stored(document: DocumentRow) -> StoredDocument:
    return StoredDocument(
        document_id=document.id, folder_id=document.folder_id, client_id=document.client_id
    )
