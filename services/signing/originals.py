"""Bringing a document over from documents: may this staff user send it, is it a readable
unencrypted PDF, and a copy of exactly those bytes in signing's bucket."""

from dataclasses import dataclass
from uuid import UUID

from aiohttp import web

from services.signing import domain, files, remote
from services.signing.models import Attachment
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.events.documents import SigningSource
from shared.service import STORE


@dataclass(frozen=True)
class Original:
    source: SigningSource
    sha256: str
    size: int


async def open_source(
    app: web.Application, principal: Principal, document_id: UUID
) -> SigningSource:
    return await remote.open_for_signing(
        app, principal.firm_id, principal.user_id, principal.role or "member", document_id
    )


async def copy_original(app: web.Application, source: SigningSource, signing_id: UUID) -> Original:
    if source.content_type != "application/pdf" and not source.name.lower().endswith(".pdf"):
        raise domain.NotPdf(f"{source.name} is {source.content_type}")
    size = await _copy(app, source, files.original_key(signing_id), pdf=True)
    return Original(source, source.sha256, size)


async def copy_attachments(
    app: web.Application, principal: Principal, client_id: UUID, ids: list[UUID], signing_id: UUID
) -> list[Attachment]:
    attachments = []
    for index, document_id in enumerate(ids):
        source = await open_source(app, principal, document_id)
        if source.client_id != client_id:
            raise Invalid(
                "Attachments must be documents of the same client.", field="attachment_ids"
            )
        await _copy(app, source, files.attachment_key(signing_id, index), pdf=False)
        attachments.append(
            Attachment(
                document_id=document_id, name=source.name, sha256=source.sha256, size=source.size
            )
        )
    return attachments


async def _copy(app: web.Application, source: SigningSource, key: str, *, pdf: bool) -> int:
    settings = remote.settings_of(app)
    spool, digest = await files.download(
        app[files.HTTP], source.download_url, settings.max_pdf_bytes
    )
    with spool:
        if digest != source.sha256:
            raise Conflict("The document changed while it was being read; try again.")
        if pdf:
            await files.check_pdf_async(spool)
        return await files.put(app[STORE], key, spool, source.content_type)
