"""The party's side (`/api/v1/sign/{token}/...`, no account): open, read, sign or decline."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from services.signing import completion, domain, files, invitations
from services.signing.access import PartyContext, require_copy, require_party
from services.signing.api.evidence import evidence_of, now
from services.signing.api.sessions import require_authenticated
from services.signing.models import (
    Acted,
    DeclineIn,
    Evidence,
    NewAuditEvent,
    OtherParty,
    PartyRow,
    PartyView,
    SignIn,
)
from services.signing.settings import SigningSettings
from services.signing.store import audit, parties, signings
from shared.bus import put
from shared.database import Connection
from shared.errors import Invalid, NotFound
from shared.events.signing import PartyDeclined, PartySigned, PartyViewed
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

api = Api("signing")

log = logging.getLogger(__name__)


def _other(p: PartyRow) -> OtherParty:
    return OtherParty(name=p.name, role=p.role, order=p.sign_order, status=p.status)


@api.get(
    "/api/v1/sign/{token}",
    summary="Open a signing link: the request, who else takes part, whether you may act now",
    access="public", response=PartyView, errors=(404, 409, 410),
)  # fmt: skip
async def open_link(request: web.Request, *, deps: SigningDeps) -> PartyView:
    at = now()
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], at, lock=True)
        if ctx.party.viewed_at is None:
            await _viewed(conn, evidence_of(request, deps.settings), ctx)
    s, p = ctx.signing, ctx.party
    return PartyView(
        signing_id=s.id, document_name=s.document_name, document_sha256=s.document_sha256,
        attachments=s.attachments, message=s.message, language=s.language,
        expires_at=s.expires_at, you=_other(p), method=p.method,
        may_act_now=domain.may_act(p, ctx.parties),
        authenticated=p.method == "click", parties=[_other(x) for x in ctx.parties],
    )  # fmt: skip


async def _viewed(conn: Connection, evidence: Evidence, ctx: PartyContext) -> None:
    at, s, p = now(), ctx.signing, ctx.party
    await parties.update_viewed(conn, p.id, at)
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(
            s, at, "viewed", party_id=p.id, evidence=evidence, document_sha256=s.document_sha256
        ),
    )
    event = PartyViewed(
        signing_id=s.id, client_id=s.client_id, party_id=p.id, contact_id=p.contact_id
    )
    await put(conn, event, firm_id=s.firm_id, actor=p.contact_id)


@api.get(
    "/api/v1/sign/{token}/document",
    summary="The PDF to sign, streamed (exactly the bytes sent)",
    access="public", raw_response="application/pdf", errors=(404, 409, 410),
)  # fmt: skip
async def party_document(request: web.Request, *, deps: SigningDeps) -> web.StreamResponse:
    async with deps.db.transaction(readonly=True) as conn:
        ctx = await require_party(conn, request.match_info["token"], now())
    return await files.send(request, deps, files.original(ctx.signing))


@api.get(
    "/api/v1/sign/{token}/attachments/{index}",
    summary="One of the request's attachments, streamed",
    access="public", raw_response="*/*", errors=(404, 409, 410),
)  # fmt: skip
async def party_attachment(request: web.Request, *, deps: SigningDeps) -> web.StreamResponse:
    async with deps.db.transaction(readonly=True) as conn:
        ctx = await require_party(conn, request.match_info["token"], now())
    index = request.match_info["index"]
    if not index.isdigit() or int(index) >= len(ctx.signing.attachments):
        raise NotFound("No such attachment.")
    return await files.send(request, deps, files.attachment(ctx.signing, int(index)))


def _drawn(body: SignIn) -> bytes | None:
    if body.drawn_signature is None:
        return None
    try:
        image = base64.b64decode(body.drawn_signature, validate=True)
    except ValueError:  # binascii.Error, or text that is not even ASCII
        raise Invalid("The drawn signature is not base64.", field="drawn_signature") from None
    domain.require_drawn_png(image)
    return image


@api.post(
    "/api/v1/sign/{token}/sign",
    summary="Sign (approve, for an approver); send X-Signing-Session unless your method is click",
    access="public", body=SignIn, response=Acted, errors=(403, 404, 409, 410, 422),
)  # fmt: skip
async def sign(request: web.Request, *, deps: SigningDeps, body: SignIn) -> Acted:
    at, drawn = now(), _drawn(body)
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], at, lock=True)
        domain.require_party_may_act(ctx.party, ctx.parties)
        require_authenticated(request, ctx.party, at)
        shown = await files.sha256_of(deps.store, files.original_key(ctx.signing.id))
        tampered = ctx.signing.document_sha256 != shown
        if tampered:
            await completion.halt(
                conn, ctx.signing, domain.Tampered(ctx.signing.document_sha256, shown)
            )
        else:
            signed = Signed(body.typed_name, drawn, shown, evidence_of(request, deps.settings))
            rows = await _record_signature(conn, deps.settings, ctx, signed)
    domain.require_untampered(ctx.signing.document_sha256, shown)
    state = "sent"
    if domain.all_signed(rows):
        state = await _complete(deps, ctx)
    return Acted(status="signed", request_state=state)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Signed:
    """What a party's signature records: the typed name and drawn image they gave, the SHA-256
    of the PDF as shown to them, and the evidence of the request."""

    typed_name: str | None
    drawn: bytes | None
    shown: str
    evidence: Evidence


async def _record_signature(
    conn: Connection, settings: SigningSettings, ctx: PartyContext, signed: Signed
) -> list[PartyRow]:
    at, s, p, shown = now(), ctx.signing, ctx.party, signed.shown
    await parties.update_signed(conn, p.id, at, signed.typed_name, signed.drawn)
    action = "approved" if p.role == "approver" else "signed"
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(
            s,
            at,
            action,
            party_id=p.id,
            method=p.method,
            evidence=signed.evidence,
            document_sha256=shown,
            detail=signed.typed_name or "",
        ),
    )
    event = PartySigned(
        signing_id=s.id, client_id=s.client_id, party_id=p.id, contact_id=p.contact_id,
        role=p.role, method=p.method, document_sha256=shown,
    )  # fmt: skip
    await put(conn, event, firm_id=s.firm_id, actor=p.contact_id)
    rows = await parties.list_parties(conn, s.firm_id, s.id)
    await invitations.invite_due(conn, settings, s, rows, at)
    return rows


async def _complete(deps: SigningDeps, ctx: PartyContext) -> str:
    """Seal now so the last signer sees the outcome; if it fails the job finishes it."""
    try:
        return "completed" if await completion.complete(deps, ctx.signing.id) else "sent"
    except Exception:
        log.exception("completing signing %s failed; the completion job will retry", ctx.signing.id)
        return "sent"


@api.post(
    "/api/v1/sign/{token}/decline",
    summary="Decline with a reason; the whole request becomes declined",
    access="public", body=DeclineIn, response=Acted, errors=(403, 404, 409, 410, 422),
)  # fmt: skip
async def decline(request: web.Request, *, deps: SigningDeps, body: DeclineIn) -> Acted:
    at = now()
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], at, lock=True)
        domain.require_party_may_act(ctx.party, ctx.parties)
        require_authenticated(request, ctx.party, at)
        s, p = ctx.signing, ctx.party
        await parties.update_declined(conn, p.id, at, body.reason)
        await signings.update_state(conn, s.firm_id, s.id, "declined", at)
        await audit.insert_audit(
            conn,
            NewAuditEvent.on(
                s,
                at,
                "declined",
                party_id=p.id,
                method=p.method,
                evidence=evidence_of(request, deps.settings),
                document_sha256=s.document_sha256,
                detail=body.reason,
            ),
        )
        event = PartyDeclined(
            signing_id=s.id, client_id=s.client_id, party_id=p.id, contact_id=p.contact_id,
            reason=body.reason,
        )  # fmt: skip
        await put(conn, event, firm_id=s.firm_id, actor=p.contact_id)
    return Acted(status="declined", request_state="declined")


@api.get(
    "/api/v1/sign/{token}/copy",
    summary="Download the sealed PDF with the link sent at completion",
    access="public", raw_response="application/pdf", errors=(404, 410),
)  # fmt: skip
async def signed_copy(request: web.Request, *, deps: SigningDeps) -> web.StreamResponse:
    async with deps.db.transaction(readonly=True) as conn:
        ctx = await require_copy(conn, request.match_info["token"])
    return await files.send(request, deps, files.signed(ctx.signing))
