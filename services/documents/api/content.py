"""Reading a document's bytes (streamed, or a 302 to a presigned URL) and who did."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from services.documents.access import require_document
from services.documents.downloading import presigned_link, require_version
from services.documents.models import AccessLog, DocumentRow, DownloadQuery, NewAccess, VersionRow
from services.documents.store import activity
from shared.auth import Principal
from shared.bus import put
from shared.events.documents import DocumentDownloaded
from shared.http.downloads import Download, protection, send
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("documents")


@api.get(
    "/api/v1/documents/{document_id}/content",
    summary="Download a version (default the current one): streamed, or 302 to a presigned URL",
    query=DownloadQuery,
    raw_response="*/*",  # the version's own media type
    errors=(404,),
)
async def download(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, query: DownloadQuery
) -> web.StreamResponse:
    method = "redirect" if query.redirect else "stream"
    async with deps.db.transaction() as conn:
        document, _ = await require_document(conn, principal, path_uuid(request, "document_id"))
        version = await require_version(conn, document, query.version_id)
        access = NewAccess(
            firm_id=document.firm_id, document_id=document.id, version_id=version.id,
            user_id=principal.user_id, user_kind=principal.kind, method=method,
        )  # fmt: skip
        await activity.insert_access(conn, access)
        event = DocumentDownloaded(
            document_id=document.id, version_id=version.id, client_id=document.client_id,
            user_kind=principal.kind, method=method,
        )  # fmt: skip
        await put(conn, event, firm_id=document.firm_id, actor=principal.user_id)
    if query.redirect:
        url = await presigned_link(
            deps.store, deps.settings.presign_ttl_seconds, document, version, for_browser=True
        )
        # S3 serves the link with its own headers: a presigned GET can change the type,
        # disposition and caching of its answer, not add these. There the link's attachment
        # disposition and S3's other origin keep the bytes from running in ours.
        protect = protection(version.content_type)
        deps.metrics.downloaded.labels("redirect").inc(version.size)
        raise web.HTTPFound(url, headers={"Cache-Control": "no-store", **protect})
    return await _stream(request, deps, document, version)


async def _stream(
    request: web.Request, deps: DocumentsDeps, document: DocumentRow, version: VersionRow
) -> web.StreamResponse:
    download = Download(
        key=version.object_key, name=document.name, content_type=version.content_type,
        sha256=version.sha256, size=version.size,
    )  # fmt: skip
    return await send(
        request, deps.store, download,
        proxies=deps.settings.proxies, chunk_bytes=deps.settings.download_chunk_bytes,
    )  # fmt: skip


@api.get(
    "/api/v1/documents/{document_id}/access-log",
    summary="Who viewed or downloaded the document, when, which version, how (staff)",
    access="staff",
    response=AccessLog,
    errors=(404,),
)
async def access_log(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> AccessLog:
    async with deps.db.transaction(readonly=True) as conn:
        document, _ = await require_document(conn, principal, path_uuid(request, "document_id"))
        entries = await activity.list_access(conn, document)
    return AccessLog(entries=entries)
