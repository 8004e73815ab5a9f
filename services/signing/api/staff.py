"""Staff: create a request, read it, send it, cancel it, fetch the signed PDF."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import asyncpg
from aiohttp import web

from services.signing import domain, files, invitations, originals, sending
from services.signing.access import require_signing
from services.signing.api.evidence import now
from services.signing.api.responses import signing_out
from services.signing.models import Attachment, CancelIn, NewSigning, SigningIn, SigningOut
from services.signing.store import audit, parties, signings
from shared.auth import Principal
from shared.errors import NotFound
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

api = Api("signing")


async def _view(deps: SigningDeps, principal: Principal, signing_id: UUID) -> SigningOut:
    async with deps.db.transaction(readonly=True) as conn:
        signing = await require_signing(conn, principal, signing_id)
        rows = await parties.list_parties(conn, principal.firm_id, signing_id)
        trail = await audit.list_audit(conn, principal.firm_id, signing_id)
    return signing_out(signing, rows, trail)


def _draft(
    principal: Principal, body: SigningIn, copied: originals.Original,
    attachments: list[Attachment], signing_id: UUID,
) -> NewSigning:  # fmt: skip
    source = copied.source
    return NewSigning(
        id=signing_id, firm_id=principal.firm_id, client_id=source.client_id,
        folder_id=source.folder_id, document_id=source.document_id, document_name=source.name,
        document_sha256=copied.sha256, document_size=copied.size, attachments=attachments,
        message=body.message, language=body.language, expires_at=body.expires_at,
        reminder_days=body.reminder_days, created_by=principal.user_id, created_at=now(),
    )  # fmt: skip


@api.post(
    "/api/v1/signings",
    summary="Start a signing request (draft) on a PDF document of a client",
    access="staff", body=SigningIn, response=SigningOut, status=201, errors=(404, 409, 422, 503),
)  # fmt: skip
async def create_signing(
    request: web.Request, *, deps: SigningDeps, principal: Principal, body: SigningIn
) -> SigningOut:
    domain.validate_parties(body.parties)
    expires_at = body.expires_at or now() + timedelta(days=deps.settings.default_expiry_days)
    body = body.model_copy(update={"expires_at": expires_at})
    domain.validate_expiry(expires_at, now())
    source = await originals.open_source(deps, principal, body.document_id)
    async with deps.db.transaction(readonly=True) as conn:
        if await signings.get_active_for_document(conn, principal.firm_id, source.document_id):
            raise domain.AlreadyInSigning()
    signing_id = uuid4()
    copied = await originals.copy_original(deps, source, signing_id)
    attachments = await originals.copy_attachments(
        deps, principal, source.client_id, body.attachment_ids, signing_id
    )
    draft = _draft(principal, body, copied, attachments, signing_id)
    given = sending.new_parties(signing_id, principal.firm_id, body.parties, deps.numbers)
    try:
        async with deps.db.transaction() as conn:
            signing, rows = await sending.store_draft(conn, draft, given)
    except asyncpg.UniqueViolationError:
        raise domain.AlreadyInSigning() from None
    return signing_out(signing, rows)


@api.get(
    "/api/v1/signings/{signing_id}",
    summary="A signing request with its parties, progress and audit trail",
    response=SigningOut, errors=(404,),
)  # fmt: skip
async def get_signing(
    request: web.Request, *, deps: SigningDeps, principal: Principal
) -> SigningOut:
    return await _view(deps, principal, path_uuid(request, "signing_id"))


@api.post(
    "/api/v1/signings/{signing_id}/send",
    summary="Send: take one e-signature credit and invite the first order of parties",
    access="staff", response=SigningOut, errors=(402, 404, 409, 422, 503),
)  # fmt: skip
async def send_signing(
    request: web.Request, *, deps: SigningDeps, principal: Principal
) -> SigningOut:
    signing_id = path_uuid(request, "signing_id")
    async with deps.db.transaction(readonly=True) as conn:
        signing = await require_signing(conn, principal, signing_id)
    if signing.state != "sent":
        domain.require_transition(signing.state, "sent")
        domain.validate_expiry(signing.expires_at, now())
        await sending.send(deps, principal, signing, now())
    return await _view(deps, principal, signing_id)


@api.post(
    "/api/v1/signings/{signing_id}/cancel",
    summary="Cancel; the credit returns if nobody has signed yet",
    access="staff", body=CancelIn, response=SigningOut, errors=(404, 409, 503),
)  # fmt: skip
async def cancel_signing(
    request: web.Request, *, deps: SigningDeps, principal: Principal, body: CancelIn
) -> SigningOut:
    signing_id = path_uuid(request, "signing_id")
    async with deps.db.transaction() as conn:
        signing = await require_signing(conn, principal, signing_id, lock=True)
        returning = await sending.cancel(conn, principal, signing, body.reason, now())
    if returning:
        await sending.release(
            deps, principal.firm_id, signing_id, signing.credit_attempt, principal.user_id
        )
    return await _view(deps, principal, signing_id)


@api.post(
    "/api/v1/signings/{signing_id}/remind",
    summary="Remind now the parties whose turn it is (a fresh link by mail; once per gap each)",
    access="staff", response=SigningOut, errors=(404, 409),
)  # fmt: skip
async def remind_signing(
    request: web.Request, *, deps: SigningDeps, principal: Principal
) -> SigningOut:
    signing_id, at = path_uuid(request, "signing_id"), now()
    gap = timedelta(minutes=deps.settings.manual_reminder_gap_minutes)
    async with deps.db.transaction() as conn:
        signing = await require_signing(conn, principal, signing_id, lock=True)
        rows = await parties.list_parties(conn, principal.firm_id, signing_id)
        for party in domain.to_remind_now(signing, rows, at, gap):
            await invitations.remind(conn, deps.settings, signing, party, at)
    return await _view(deps, principal, signing_id)


@api.get(
    "/api/v1/signings/{signing_id}/signed.pdf",
    summary="The sealed PDF of a completed request",
    raw_response="application/pdf", errors=(404,),
)  # fmt: skip
async def signed_pdf(
    request: web.Request, *, deps: SigningDeps, principal: Principal
) -> web.StreamResponse:
    signing_id = path_uuid(request, "signing_id")
    async with deps.db.transaction(readonly=True) as conn:
        signing = await require_signing(conn, principal, signing_id)
    if signing.state != "completed":
        raise NotFound("This request has no signed PDF (yet).")
    return await files.send(request, deps, files.signed(signing))
