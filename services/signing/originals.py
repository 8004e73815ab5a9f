"""Bringing a document over from documents: may this staff user send it, is it a readable
unencrypted PDF, and a copy of exactly those bytes in signing's bucket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from services.signing import domain, files
from services.signing.models import Attachment
from shared.auth import Principal
from shared.errors import Conflict, Invalid
from shared.events.documents import SigningSource

if TYPE_CHECKING:
    from services.signing.app import SigningDeps


@dataclass(frozen=True)
class Original:
    source: SigningSource
    sha256: str
    size: int


async def open_source(deps: SigningDeps, principal: Principal, document_id: UUID) -> SigningSource:
    return await deps.documents.open_for_signing(
        principal.firm_id, principal.user_id, principal.role or "member", document_id
    )


async def copy_original(deps: SigningDeps, source: SigningSource, signing_id: UUID) -> Original:
    if source.content_type != "application/pdf" and not source.name.lower().endswith(".pdf"):
        raise domain.NotPdf(f"{source.name} is {source.content_type}")
    size = await _copy(deps, source, files.original_key(signing_id), pdf=True)
    return Original(source, source.sha256, size)


async def copy_attachments(
    deps: SigningDeps, principal: Principal, client_id: UUID, ids: list[UUID], signing_id: UUID
) -> list[Attachment]:
    attachments = []
    for index, document_id in enumerate(ids):
        source = await open_source(deps, principal, document_id)
        if source.client_id != client_id:
            raise Invalid(
                "Attachments must be documents of the same client.", field="attachment_ids"
            )
        await _copy(deps, source, files.attachment_key(signing_id, index), pdf=False)
        attachments.append(
            Attachment(
                document_id=document_id, name=source.name, sha256=source.sha256, size=source.size
            )
        )
    return attachments


async def _copy(deps: SigningDeps, source: SigningSource, key: str, *, pdf: bool) -> int:
    spool, digest = await files.download(
        deps.http, source.download_url, deps.settings.max_pdf_bytes
    )
    with spool:
        if digest != source.sha256:
            raise Conflict("The document changed while it was being read; try again.")
        if pdf:
            await files.check_pdf_async(spool)
        return await files.put(deps.store, key, spool, source.content_type)
