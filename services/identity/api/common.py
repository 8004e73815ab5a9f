"""Helpers every route shares: load-or-404 with "may this principal see it", the clock, the
caller's address, and the rate-limited password check."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from services.identity.domain import STAFF_METHODS, retry_after, slowdown
from services.identity.models import Account, Client, Contact, Firm, Session, Staff
from services.identity.resources import PASSWORDS, settings_of
from services.identity.store import accounts, clients, contacts, firms
from services.identity.tokens import session_of
from shared.auth import Principal
from shared.database import Connection, Database
from shared.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from shared.http.peers import client_address
from shared.service import DB, SETTINGS

ADMINS = ("owner", "admin")
WRONG = "Wrong email or password."


def now() -> datetime:
    return datetime.now(UTC)


def db(request: web.Request) -> Database:
    return request.app[DB]


def caller_address(request: web.Request) -> str:
    """Who is calling, for per-address limits: the gateway's X-Real-IP, else the peer."""
    return client_address(request, request.app[SETTINGS].proxies)


async def checked_password(
    request: web.Request, conn: Connection, email: str, source: str, password: str
) -> UUID | DomainError:
    """The account id if the password is right, or the refusal to raise after commit (so that
    the failure a caller records stays).

    Failures are counted per (account, source) and per source: a stranger who guesses wrong
    locks out only themselves, never the account's owner elsewhere. Across all sources an
    account under attack is slowed down instead: after each failure past a threshold, a few
    seconds pass before the next attempt on it, from anywhere."""
    settings = settings_of(request.app)
    await accounts.lock_sign_in_key(conn, email)
    window = timedelta(seconds=settings.failure_window_seconds)
    by_pair, by_source, by_account = await accounts.list_failures(conn, email, source, window)
    wait = max(
        retry_after(by_pair, settings.failures_per_account, window, now()),
        retry_after(by_source, settings.failures_per_source, window, now()),
        slowdown(by_account, settings.failures_before_slowdown, now()),
    )
    if wait:
        raise TooManyRequests("Too many failed sign-ins; try again later.", retry_after=wait)
    account = await accounts.get_account_by_email(conn, email)
    stored = account.password_hash if account else None
    passwords = request.app[PASSWORDS]
    if account is None or not await passwords.verify(stored, password):
        return Unauthorized(WRONG)
    if passwords.needs_rehash(stored):
        await accounts.update_password(conn, account.id, await passwords.hash(password))
    return account.id


def sees_all_clients(principal: Principal) -> bool:
    return principal.is_staff and principal.role in ADMINS


async def require_firm(conn: Connection, principal: Principal) -> Firm:
    firm = await firms.get_firm(conn, principal.firm_id)
    if firm is None:
        raise NotFound("No such firm.")
    return firm


async def require_client(conn: Connection, principal: Principal, client_id: UUID) -> Client:
    """The client if this staff user may see it; another firm's or an unassigned one is 404."""
    client = await clients.get_client(conn, principal.firm_id, client_id)
    visible = client is not None and (
        sees_all_clients(principal) or await firms.is_assigned(conn, principal.user_id, client_id)
    )
    if client is None or not visible:
        raise NotFound("No such client.")
    return client


async def require_contact(
    conn: Connection, principal: Principal, contact_id: UUID, *, lock: bool = False
) -> Contact:
    load = contacts.lock_contact if lock else contacts.get_contact
    contact = await load(conn, principal.firm_id, contact_id)
    visible = contact is not None and (
        sees_all_clients(principal)
        or await clients.contact_visible_to(conn, contact_id, principal.user_id)
    )
    if contact is None or not visible:
        raise NotFound("No such contact.")
    return contact


async def require_staff(
    conn: Connection, principal: Principal, staff_id: UUID, *, lock: bool = False
) -> Staff:
    load = firms.lock_staff if lock else firms.get_staff
    staff = await load(conn, principal.firm_id, staff_id)
    if staff is None:
        raise NotFound("No such staff user.")
    return staff


async def no_duplicate_contact(
    conn: Connection, firm_id: UUID, fields: dict[str, Any], prefix: str, not_id: UUID
) -> None:
    """Within a firm one contact record per person: same email or personal number is refused."""
    clash = await contacts.find_duplicate(
        conn, firm_id, fields["email"], fields["personal_number_digest"], not_id
    )
    if clash is not None:
        raise Invalid(
            f"Another contact of the firm already has this {clash}.", field=prefix + clash
        )


def unique_violation(error: asyncpg.UniqueViolationError, prefix: str = "") -> Invalid:
    """A concurrent insert won the race the checks above lost; say which field clashed."""
    constraint = error.constraint_name or ""
    field = "personal_number" if "personal_number" in constraint else "email"
    return Invalid(f"Another record already has this {field}.", field=prefix + field)


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
