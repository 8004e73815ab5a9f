"""Sessions: choosing a context, issuing access and rotating refresh tokens."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from aiohttp import web

from services.identity.models import Context, Membership, Session, Tokens
from services.identity.resources import KEYS, settings_of
from services.identity.store import accounts, clients, contacts, firms, portal
from services.identity.tokens import access_claims, digest, new_secret
from shared.database import Connection
from shared.errors import DomainError, Forbidden, Unauthorized

REFRESH_REFUSED = "The refresh token is not valid; sign in again."


async def memberships(conn: Connection, account_id: UUID) -> list[Membership]:
    found = [
        Membership(
            firm_id=staff.firm_id, firm_name=name, kind="staff", person_id=staff.id, role=staff.role
        )
        for staff, name in await firms.list_staff_memberships(conn, account_id)
    ]
    for contact, name in await contacts.list_contact_memberships(conn, account_id):
        linked = await clients.list_contact_clients(conn, contact.id)
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
    conn: Connection,
    account_id: UUID,
    firm_id: UUID | None,
    client_id: UUID | None,
    method: str | None = None,
) -> Context:
    """The asked-for context, or the first one; refuses one the person does not belong to.

    A contact's context also needs `method` (how they signed in) among the firm's allowed
    sign-in methods; switching within a session passes None.
    """
    for member in await memberships(conn, account_id):
        if firm_id is not None and member.firm_id != firm_id:
            continue
        if member.kind == "contact" and method and not await _allowed(conn, member, method):
            continue
        if member.kind == "staff" and client_id is None:
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


async def open_session(
    app: web.Application, conn: Connection, account_id: UUID, context: Context
) -> Tokens:
    session_id = await accounts.insert_session(conn, account_id, context)
    return await _issue(app, conn, session_id, context)


async def _issue(
    app: web.Application, conn: Connection, session_id: UUID, context: Context
) -> Tokens:
    settings = settings_of(app)
    now = datetime.now(UTC)
    refresh = new_secret()
    expires = now + timedelta(days=settings.refresh_token_days)
    await accounts.insert_refresh_token(conn, digest(refresh), session_id, expires)
    claims = access_claims(
        context,
        session_id,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        now=int(now.timestamp()),
        ttl=settings.access_token_seconds,
    )
    return Tokens(
        access_token=app[KEYS].sign(claims),
        expires_in=settings.access_token_seconds,
        refresh_token=refresh,
        context=context,
    )


async def refresh(app: web.Application, conn: Connection, token: str) -> Tokens | DomainError:
    """Rotate a refresh token. A used one means it was stolen or replayed: the whole family
    (the session) is revoked. Returns the refusal instead of raising so the revocation commits."""
    found = await accounts.lock_refresh_token(conn, digest(token))
    if found is None:
        return Unauthorized(REFRESH_REFUSED)
    session_id, used, expired = found
    if used:
        await accounts.revoke_session(conn, session_id)
        return Unauthorized(REFRESH_REFUSED)
    session = await accounts.get_session(conn, session_id)
    context = await current_context(conn, session) if session else None
    if expired or session is None or context is None:
        return Unauthorized(REFRESH_REFUSED)
    await accounts.use_refresh_token(conn, digest(token))
    return await _issue(app, conn, session_id, context)


async def current_context(conn: Connection, session: Session) -> Context | None:
    """The session's context as it stands now (roles re-read), or None if it is gone."""
    if session.revoked:
        return None
    if session.kind == "staff":
        staff = await firms.get_staff(conn, session.firm_id, session.person_id)
        if staff is None or not staff.active:
            return None
        return Context(firm_id=staff.firm_id, kind="staff", person_id=staff.id, role=staff.role)
    linked = await clients.list_contact_clients(conn, session.person_id)
    if session.client_id not in {c.client_id for c in linked}:
        return None
    return Context(
        firm_id=session.firm_id,
        kind="contact",
        person_id=session.person_id,
        client_id=session.client_id,
    )
