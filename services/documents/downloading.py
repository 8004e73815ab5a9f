"""What reading a document's bytes takes, for customers, staff and signing alike: the version
asked for (default the current one) and a short-lived link to it under the document's name."""

from datetime import timedelta
from uuid import UUID

from services.documents.models import DocumentRow, VersionRow
from services.documents.store import documents as document_store
from shared.database import Connection
from shared.errors import NotFound
from shared.http.downloads import disposition
from shared.storage import ObjectStore


async def require_version(
    conn: Connection, document: DocumentRow, version_id: UUID | None = None, *,
    missing: str = "No such version.",
) -> VersionRow:  # fmt: skip
    """The named version of a document the caller may see (404 if it has no such version)."""
    version_id = version_id or document.current_version_id
    version = version_id and await document_store.get_version(
        conn, document.firm_id, document.id, version_id
    )
    if not version:
        raise NotFound(missing)
    return version


async def presigned_link(
    store: ObjectStore, ttl: int, document: DocumentRow, version: VersionRow, *,
    for_browser: bool = False,
) -> str:  # fmt: skip
    """A link to the bytes under the document's name and type: at the public S3 address for a
    browser, else at the one our peers share."""
    client = store.public_client if for_browser else store.client
    headers = {
        "response-content-disposition": disposition(document.name),
        "response-content-type": version.content_type,
    }
    return await store.run(
        client.presigned_get_object, store.bucket, version.object_key, timedelta(seconds=ttl),
        headers,
    )  # fmt: skip
