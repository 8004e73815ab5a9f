"""Sessions: what a way in proves, choosing a context within that, the TOTP step a staff
context may still need, issuing access tokens and rotating refresh tokens; the session a
token belongs to, and whether it still stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from services.identity.domain import STAFF_METHODS
from services.identity.models import (
    Account,
    Contact,
    Context,
    Membership,
    NewChallenge,
    NewRefreshToken,
    NewSession,
    Proof,
    Session,
    Tokens,
)
from services.identity.revocations import ended
from services.identity.second_factor import totp_matches
from services.identity.store import accounts, challenges, clients, contacts, firms, portal
from services.identity.tokens import access_claims, digest, new_secret, session_of
from shared.auth import Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import DomainError, Forbidden, Unauthorized
from shared.events.identity import SessionOpened

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

REFRESH_REFUSED = "The refresh token is not valid; sign in again."
NEEDS_CODE = "This account needs a one-time code from its app."
CHALLENGE_MINUTES = 5


class TotpRequired(Unauthorized):
    """The first factor was right; the staff context waits for the code. `challenge` is a
    short-lived, single-use token for POST /api/v1/auth/totp/verify."""

    def __init__(self, detail: str, challenge: str) -> None:
        super().__init__(detail, field="totp", challenge=challenge)


async def memberships(conn: Connection, account_id: UUID) -> list[Membership]:
    """Everything the account itself belongs to (what a password or magic link proves)."""
    found = [
        Membership(
            firm_id=staff.firm_id, firm_name=name, kind="staff", person_id=staff.id, role=staff.role
        )
        for staff, name in await firms.list_staff_memberships(conn, account_id)
    ]
    pairs = await contacts.list_contact_memberships(conn, account_id)
    return found + await _contact_memberships(conn, pairs)


async def proven(conn: Connection, proof: Proof) -> list[Membership]:
    """The memberships a way in proves, and no other."""
    if proof.method == "secret_link":
        assert proof.firm_id is not None
        assert proof.contact_id is not None
        pair = await contacts.get_contact_membership(conn, proof.firm_id, proof.contact_id)
        return await _contact_memberships(conn, [pair] if pair else [])
    if proof.method == "eid":
        return await _eid_memberships(conn, proof)
    assert proof.account_id is not None
    return await memberships(conn, proof.account_id)


async def _eid_memberships(conn: Connection, proof: Proof) -> list[Membership]:
    """Contacts carrying the proven number, plus those of an account that verified it."""
    assert proof.personal_number_digest is not None
    pairs = await contacts.list_number_memberships(conn, proof.personal_number_digest)
    if proof.account_id is not None:
        pairs += await contacts.list_contact_memberships(conn, proof.account_id)
    unique = {contact.id: (contact, name) for contact, name in pairs}
    return await _contact_memberships(conn, list(unique.values()))


async def _contact_memberships(
    conn: Connection, pairs: list[tuple[Contact, str]]
) -> list[Membership]:
    found = []
    for contact, name in pairs:
        linked = await clients.list_contact_clients(conn, contact.firm_id, contact.id)
        if linked:
            found.append(
                Membership(
                    firm_id=contact.firm_id,
                    firm_name=name,
                    kind="contact",
                    person_id=contact.id,
                    clients=linked,
                )
            )
    return found


async def choose_context(
    conn: Connection, proof: Proof, firm_id: UUID | None, client_id: UUID | None
) -> Context:
    """The asked-for context among what the proof opens, or the first one. A contact context
    needs the firm to allow the method; a staff one needs password or magic link."""
    for member in await proven(conn, proof):
        if firm_id is not None and member.firm_id != firm_id:
            continue
        if member.kind == "contact" and not await _allowed(conn, member, proof.method):
            continue
        if member.kind == "staff" and client_id is None and proof.method in STAFF_METHODS:
            return Context(
                firm_id=member.firm_id, kind="staff", person_id=member.person_id, role=member.role
            )
        if member.kind == "contact":
            chosen = _client(member, client_id)
            if chosen is not None:
                return Context(
                    firm_id=member.firm_id,
                    kind="contact",
                    person_id=member.person_id,
                    client_id=chosen,
                )
    raise Forbidden("You have no access there.", field="firm_id" if firm_id else None)


async def _allowed(conn: Connection, member: Membership, method: str) -> bool:
    methods, _default = await portal.get_settings(conn, member.firm_id)
    return method in methods


def _client(member: Membership, client_id: UUID | None) -> UUID | None:
    ids = [c.client_id for c in member.clients]
    if client_id is None:
        return ids[0] if ids else None
    return client_id if client_id in ids else None


async def enter(
    deps: IdentityDeps,
    conn: Connection,
    proof: Proof,
    wanted: tuple[UUID | None, UUID | None],
    code: str | None,
    *,
    source: str | None = None,
) -> Tokens | DomainError:
    """Open a session in the wanted (firm, client) context, or return why not (raised by the
    caller after commit, so that a used link, a counted failure or a challenge stays).

    Whatever the first factor, a staff context of an account with TOTP on needs the code:
    with none, or a wrong one, the answer is a challenge to finish with the code alone."""
    context = await choose_context(conn, proof, *wanted)
    if context.kind == "staff" and not proof.second_factor:
        assert proof.account_id is not None
        checked = await totp_matches(deps.keys, conn, proof.account_id, code)
        if checked is False:
            return await _challenge(conn, proof, wanted)
        proof = proof.model_copy(update={"second_factor": checked is True})
    return await open_session(deps, conn, proof, context, source=source)


async def _challenge(
    conn: Connection, proof: Proof, wanted: tuple[UUID | None, UUID | None]
) -> TotpRequired:
    assert proof.account_id is not None
    token = new_secret()
    expires = datetime.now(UTC) + timedelta(minutes=CHALLENGE_MINUTES)
    firm_id, client_id = wanted
    await challenges.insert_challenge(
        conn,
        NewChallenge(
            token_hash=digest(token), account_id=proof.account_id, method=proof.method,
            firm_id=firm_id, client_id=client_id, expires_at=expires,
        ),
    )  # fmt: skip
    return TotpRequired(NEEDS_CODE, token)


async def open_session(
    deps: IdentityDeps,
    conn: Connection,
    proof: Proof,
    context: Context,
    *,
    source: str | None = None,
) -> Tokens:
    """The session opens with its announcement, for the firm's audit log: who signed in,
    how, and from where (`source`, the caller's address, where the caller knows it)."""
    expires = datetime.now(UTC) + timedelta(days=deps.settings.session_days)
    new = NewSession(proof=proof, context=context, expires_at=expires)
    session_id = await accounts.insert_session(conn, new)
    opened = SessionOpened(
        session_id=session_id, person_kind=context.kind, client_id=context.client_id,
        method=proof.method, source_address=source,
    )  # fmt: skip
    await put(conn, opened, firm_id=context.firm_id, actor=context.person_id)
    return await _issue(deps, conn, session_id, context, expires)


async def _issue(
    deps: IdentityDeps, conn: Connection, session_id: UUID, context: Context, ends: datetime
) -> Tokens:
    """The refresh token never outlives the session's absolute end."""
    settings = deps.settings
    now = datetime.now(UTC)
    refresh = new_secret()
    expires = min(now + timedelta(days=settings.refresh_token_days), ends)
    await accounts.insert_refresh_token(
        conn, NewRefreshToken(token_hash=digest(refresh), session_id=session_id, expires_at=expires)
    )
    claims = access_claims(
        context,
        session_id,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        now=int(now.timestamp()),
        ttl=settings.access_token_seconds,
    )
    return Tokens(
        access_token=deps.keys.sign(claims),
        expires_in=settings.access_token_seconds,
        refresh_token=refresh,
        context=context,
    )


async def refresh(deps: IdentityDeps, conn: Connection, token: str) -> Tokens | DomainError:
    """Rotate a refresh token. A used one means it was stolen or replayed: the whole family
    (the session) is revoked. Returns the refusal instead of raising so the revocation commits."""
    found = await accounts.lock_refresh_token(conn, digest(token))
    if found is None:
        return Unauthorized(REFRESH_REFUSED)
    session_id, used, expired = found
    if used:
        await ended(conn, await accounts.revoke_session(conn, session_id), None)
        return Unauthorized(REFRESH_REFUSED)
    session = await accounts.get_session(conn, session_id)
    context = await current_context(conn, session) if session else None
    if expired or session is None or context is None:
        return Unauthorized(REFRESH_REFUSED)
    await accounts.use_refresh_token(conn, digest(token))
    return await _issue(deps, conn, session_id, context, session.expires_at)


async def current_context(conn: Connection, session: Session) -> Context | None:
    """The session's context as it stands now (roles re-read), or None if it is gone."""
    if session.revoked or session.expires_at <= datetime.now(UTC):
        return None
    if session.kind == "staff":
        staff = await firms.get_staff(conn, session.firm_id, session.person_id)
        if staff is None or not staff.active:
            return None
        return Context(firm_id=staff.firm_id, kind="staff", person_id=staff.id, role=staff.role)
    linked = await clients.list_contact_clients(conn, session.firm_id, session.person_id)
    if session.client_id not in {c.client_id for c in linked}:
        return None
    return Context(
        firm_id=session.firm_id,
        kind="contact",
        person_id=session.person_id,
        client_id=session.client_id,
    )


async def current_session(conn: Connection, principal: Principal) -> Session:
    """The session the caller's token belongs to. Revoked ones were refused before the handler
    ran; this refuses a token that names no session."""
    session_id = session_of(principal.token_id)
    session = await accounts.get_session(conn, session_id) if session_id else None
    if session is None:
        raise Unauthorized("The session has been signed out.")
    return session


async def credentials_holder(conn: Connection, principal: Principal) -> Account:
    """The account whose credentials this session may change: only one opened with the
    account's own password or a link mailed to it. A secret link or an eID proves a contact or
    a number, not the account, so it may not register or change credentials."""
    session = await current_session(conn, principal)
    account = await accounts.get_account(conn, session.account_id) if session.account_id else None
    if account is None or session.method not in STAFF_METHODS:
        raise Forbidden("Sign in with your password or an emailed link to change credentials.")
    return account


async def revoked(deps: IdentityDeps, principal: Principal) -> bool:
    """A token whose session was signed out, or whose access was switched off, is refused."""
    session_id = session_of(principal.token_id)
    if session_id is None:
        return True
    async with deps.db.transaction(readonly=True) as conn:
        return await accounts.is_session_revoked(conn, session_id)
