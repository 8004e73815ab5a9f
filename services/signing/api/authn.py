"""A party proves who they are by their method: a one-time code by email, or eID (the personal
number the provider vouches for must be theirs). Either gives a short session for signing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from services.signing import domain, tokens
from services.signing.access import PartyContext, require_party
from services.signing.api import limits
from services.signing.api.evidence import evidence_of, now
from services.signing.api.sessions import open_session
from services.signing.models import (
    CodeIn,
    CodeSent,
    EidCollectIn,
    EidStarted,
    EidStatus,
    Evidence,
    NewAuditEvent,
    Session,
)
from services.signing.settings import SigningSettings
from services.signing.store import audit, parties
from shared.bus import put
from shared.database import Connection
from shared.eid import EidProvider
from shared.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from shared.events.signing import SendOneTimeCode
from shared.http.peers import client_address
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

api = Api("signing")


def _require_method(ctx: PartyContext, method: str) -> None:
    domain.require_party_may_act(ctx.party, ctx.parties)
    if ctx.party.method != method:
        raise Conflict(f"Your method is {ctx.party.method}, not {method}.")


@api.post(
    "/api/v1/sign/{token}/code",
    summary="Email me a six-digit code (method email_otp)",
    access="public", response=CodeSent, status=201, errors=(404, 409, 410, 429),
)  # fmt: skip
async def send_code(request: web.Request, *, deps: SigningDeps) -> CodeSent:
    await limits.count(request, deps, "code")
    settings, at = deps.settings, now()
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], at, lock=True)
        _require_method(ctx, "email_otp")
        domain.require_code_resendable(ctx.party, at, settings.otp_resend_seconds)
        code, expires = tokens.new_code(), at + timedelta(seconds=settings.otp_ttl_seconds)
        digest = tokens.hash_code(settings.otp_secret, ctx.party.id, code)
        await parties.update_code(conn, ctx.party.id, digest, expires, at)
        await _code_sent(conn, evidence_of(request, settings), ctx, code, expires)
    return CodeSent(expires_at=expires)


async def _code_sent(
    conn: Connection, evidence: Evidence, ctx: PartyContext, code: str, expires: datetime
) -> None:
    s, p = ctx.signing, ctx.party
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(s, now(), "code_sent", party_id=p.id, method=p.method, evidence=evidence),
    )
    command = SendOneTimeCode(
        signing_id=s.id, party_id=p.id, email=p.email, name=p.name, language=s.language,
        document_name=s.document_name, code=code, expires_at=expires,
    )  # fmt: skip
    await put(conn, command, firm_id=s.firm_id, actor=None)


@api.post(
    "/api/v1/sign/{token}/code/verify",
    summary="Check the emailed code; returns a session for signing",
    access="public", body=CodeIn, response=Session, errors=(404, 409, 410, 422, 429),
)  # fmt: skip
async def verify_code(request: web.Request, *, deps: SigningDeps, body: CodeIn) -> Session:
    settings, at = deps.settings, now()
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], at, lock=True)
        _require_method(ctx, "email_otp")
        given = tokens.hash_code(settings.otp_secret, ctx.party.id, body.code)
        matches = tokens.same_hash(ctx.party.otp_hash, given)
        outcome = domain.check_code(ctx.party, matches, at, settings.otp_max_attempts)
        if outcome == "wrong":
            await parties.update_code_attempted(conn, ctx.party.id)
        elif outcome == "ok":
            await parties.update_code_used(conn, ctx.party.id)
            session = await _authenticated(conn, evidence_of(request, settings), settings, ctx, at)
    if outcome == "ok":
        return session
    raise _refusal(outcome, settings.otp_max_attempts - ctx.party.otp_attempts - 1)


def _refusal(outcome: str, tries_left: int) -> Exception:
    if outcome == "wrong" and tries_left > 0:
        return Invalid(f"Wrong code; {tries_left} tries left.", field="code")
    if outcome in ("wrong", "exhausted"):
        return TooManyRequests("Too many wrong tries: ask for a new code.", retry_after=1)
    if outcome == "expired":
        return Invalid("The code has expired: ask for a new one.", field="code")
    return Invalid("Ask for a code first.", field="code")


async def _authenticated(
    conn: Connection, evidence: Evidence, settings: SigningSettings, ctx: PartyContext,
    at: datetime,
) -> Session:  # fmt: skip
    s, p = ctx.signing, ctx.party
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(s, at, "authenticated", party_id=p.id, method=p.method, evidence=evidence),
    )
    return await open_session(conn, settings, p, at)


@api.post(
    "/api/v1/sign/{token}/eid",
    summary="Start an eID authentication (method eid); a restart replaces the open order",
    access="public", response=EidStarted, status=201, errors=(404, 409, 410, 429, 503),
)  # fmt: skip
async def start_eid(request: web.Request, *, deps: SigningDeps) -> EidStarted:
    await limits.count(request, deps, "eid")
    ctx = await _eid_party(request, deps)
    provider = deps.eid
    if provider is None:
        raise Conflict("eID is not available on this platform right now.")
    if ctx.party.eid_order:
        # BankID refuses a second open order for one person (alreadyInProgress).
        await provider.cancel(ctx.party.eid_order)
    order = await provider.start(
        end_user_ip=client_address(request, deps.settings.proxies),
        personal_number=deps.numbers.of(ctx.party),
    )
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], now(), lock=True)
        _require_method(ctx, "eid")
        await parties.update_eid_order(conn, ctx.party.id, order.order_ref)
    return EidStarted(order_ref=order.order_ref)


@api.post(
    "/api/v1/sign/{token}/eid/collect",
    summary="Collect the eID result; the personal number must be the party's",
    access="public", body=EidCollectIn, response=EidStatus, errors=(403, 404, 409, 410, 503),
)  # fmt: skip
async def collect_eid(request: web.Request, *, deps: SigningDeps, body: EidCollectIn) -> EidStatus:
    provider = _collecting(await _eid_party(request, deps), body.order_ref, deps.eid)
    result = await provider.collect(body.order_ref)
    if result.status == "pending":
        return EidStatus(status="pending")
    at = now()
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], at, lock=True)
        _require_method(ctx, "eid")
        _collecting(ctx, body.order_ref, provider)  # a parallel collect may have used it
        await parties.update_eid_order(conn, ctx.party.id, None)
        mine = result.status == "complete" and domain.eid_matches(
            deps.numbers.of(ctx.party), result.personal_number or ""
        )
        if mine:
            evidence = evidence_of(request, deps.settings)
            session = await _authenticated(conn, evidence, deps.settings, ctx, at)
    if not mine:
        raise Forbidden("The eID did not confirm this party's identity.")
    return EidStatus(status="complete", session=session)


async def _eid_party(request: web.Request, deps: SigningDeps) -> PartyContext:
    """The party, read without locking the request: the provider is called between
    transactions, so a slow eID provider holds neither a connection nor other parties' turn."""
    async with deps.db.transaction() as conn:
        ctx = await require_party(conn, request.match_info["token"], now())
    _require_method(ctx, "eid")
    return ctx


def _collecting(ctx: PartyContext, order_ref: str, provider: EidProvider | None) -> EidProvider:
    """The provider to collect the party's open order from, or 404 for any other order."""
    if provider is None or ctx.party.eid_order != order_ref:
        raise NotFound("No such eID order.")
    return provider
