"""Secret links: registration from an invitation, magic-link sign-in, password reset.

Unknown, used and expired tokens all answer the same 410, so a link's fate never leaks.
"""

from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from services.identity.api.common import db, now
from services.identity.domain import check_password, normal_email
from services.identity.models import (
    Account,
    Context,
    EmailIn,
    MagicSignIn,
    Membership,
    PasswordTokenIn,
    Tokens,
)
from services.identity.resources import PASSWORDS, settings_of
from services.identity.sessions import choose_context, memberships, open_session
from services.identity.store import accounts, clients, contacts, firms
from services.identity.tokens import digest, new_secret
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Gone
from shared.events.identity import ContactRegistered
from shared.events.notify import SendMagicLink, SendPasswordReset
from shared.http.routing import Api

api = Api("auth")

DEAD_LINK = "This link is not valid: it is unknown, already used or expired."


class Accepted(BaseModel):
    status: str = "accepted"


@api.post(
    "/api/v1/auth/register",
    summary="Set a password from an invitation link and sign in",
    access="public",
    body=PasswordTokenIn,
    response=Tokens,
    errors=(410, 422),
)
async def register(request: web.Request, *, body: PasswordTokenIn) -> Tokens:
    passwords = request.app[PASSWORDS]
    check_password(body.password, passwords.common, second_factor=False)
    hashed = await passwords.hash(body.password)
    async with db(request).transaction() as conn:
        invitation = await contacts.use_invitation(conn, digest(body.token))
        if invitation is None:
            raise Gone(DEAD_LINK, field="token")
        if invitation["contact_id"] is not None:
            account, context = await _register_contact(conn, invitation, hashed)
        else:
            account, context = await _register_staff(conn, invitation, hashed)
        return await open_session(request.app, conn, account.id, context)


async def _register_contact(
    conn: Connection, invitation: dict[str, Any], hashed: str
) -> tuple[Account, Context]:
    firm_id, contact_id = invitation["firm_id"], invitation["contact_id"]
    contact = await contacts.get_contact(conn, firm_id, contact_id)
    assert contact is not None
    assert contact.email is not None
    account = await accounts.get_account_by_email(conn, contact.email)
    if account is None:
        account = await accounts.insert_account(conn, contact.email, hashed)
    elif account.password_hash is None:
        await accounts.update_password(conn, account.id, hashed)
    await contacts.link_account(conn, contact.id, account.id, registered=True)
    await put(conn, ContactRegistered(contact_id=contact.id), firm_id=firm_id, actor=contact.id)
    linked = await clients.list_contact_clients(conn, contact.id)
    if not linked:
        raise Gone(DEAD_LINK, field="token")
    context = Context(
        firm_id=firm_id, kind="contact", person_id=contact.id, client_id=linked[0].client_id
    )
    return account, context


async def _register_staff(
    conn: Connection, invitation: dict[str, Any], hashed: str
) -> tuple[Account, Context]:
    staff = await firms.get_staff(conn, invitation["firm_id"], invitation["staff_id"])
    assert staff is not None
    if not staff.active:
        raise Gone(DEAD_LINK, field="token")
    await accounts.update_password(conn, staff.account_id, hashed)
    await firms.mark_staff_registered(conn, staff.id)
    account = await accounts.get_account(conn, staff.account_id)
    assert account is not None
    context = Context(firm_id=staff.firm_id, kind="staff", person_id=staff.id, role=staff.role)
    return account, context


@api.post(
    "/api/v1/auth/magic-link",
    summary="Email me a one-time sign-in link (answers the same whether or not I exist)",
    access="public",
    body=EmailIn,
    response=Accepted,
    status=202,
    errors=(422,),
)
async def request_magic_link(request: web.Request, *, body: EmailIn) -> Accepted:
    email = normal_email(body.email)
    minutes = settings_of(request.app).magic_link_minutes
    async with db(request).transaction() as conn:
        found = await _issue_link(conn, email, "magic_link", timedelta(minutes=minutes))
        if found is not None:
            link, expires, language = _link(request, "sign-in/link", found[0]), found[1], found[2]
            command = SendMagicLink(email=email, language=language, link=link, expires_at=expires)
            await put(conn, command, firm_id=None, actor=None)
    return Accepted()


@api.post(
    "/api/v1/auth/magic-link/sign-in",
    summary="Sign in with a one-time link's token",
    access="public",
    body=MagicSignIn,
    response=Tokens,
    errors=(403, 410, 422),
)
async def magic_sign_in(request: web.Request, *, body: MagicSignIn) -> Tokens:
    async with db(request).transaction() as conn:
        account_id = await accounts.use_one_time_token(conn, digest(body.token), "magic_link")
        if account_id is None:
            raise Gone(DEAD_LINK, field="token")
        context = await choose_context(conn, account_id, body.firm_id, body.client_id, "magic_link")
        return await open_session(request.app, conn, account_id, context)


@api.post(
    "/api/v1/auth/password-reset",
    summary="Email me a password-reset link (answers the same whether or not I exist)",
    access="public",
    body=EmailIn,
    response=Accepted,
    status=202,
    errors=(422,),
)
async def request_reset(request: web.Request, *, body: EmailIn) -> Accepted:
    email = normal_email(body.email)
    minutes = settings_of(request.app).reset_link_minutes
    async with db(request).transaction() as conn:
        found = await _issue_link(conn, email, "password_reset", timedelta(minutes=minutes))
        if found is not None:
            link, expires, language = _link(request, "reset-password", found[0]), found[1], found[2]
            command = SendPasswordReset(
                email=email, language=language, link=link, expires_at=expires
            )
            await put(conn, command, firm_id=None, actor=None)
    return Accepted()


@api.post(
    "/api/v1/auth/password-reset/complete",
    summary="Set a new password with a reset link's token; every session ends",
    access="public",
    body=PasswordTokenIn,
    status=204,
    errors=(410, 422),
)
async def complete_reset(request: web.Request, *, body: PasswordTokenIn) -> None:
    passwords = request.app[PASSWORDS]
    check_password(body.password, passwords.common, second_factor=False)
    hashed = await passwords.hash(body.password)
    async with db(request).transaction() as conn:
        account_id = await accounts.use_one_time_token(conn, digest(body.token), "password_reset")
        if account_id is None:
            raise Gone(DEAD_LINK, field="token")
        await accounts.update_password(conn, account_id, hashed)
        await accounts.revoke_account_sessions(conn, account_id)
        account = await accounts.get_account(conn, account_id)
        assert account is not None
        await accounts.delete_failures(conn, account.email)


async def _issue_link(conn: Connection, email: str, purpose: str, ttl: timedelta):  # type: ignore[no-untyped-def]
    """A fresh token for someone with an account and somewhere to go; None otherwise."""
    account = await accounts.get_account_by_email(conn, email)
    if account is None:
        return None
    places = await memberships(conn, account.id)
    if not places:
        return None
    token, expires = new_secret(), now() + ttl
    await accounts.insert_one_time_token(conn, digest(token), purpose, account.id, expires)
    return token, expires, await _language(conn, places[0])


async def _language(conn: Connection, place: Membership) -> str:
    """The language of the person's first membership."""
    if place.kind == "staff":
        staff = await firms.get_staff(conn, place.firm_id, place.person_id)
        return staff.language if staff else "en"
    contact = await contacts.get_contact(conn, place.firm_id, place.person_id)
    return contact.language if contact else "en"


def _link(request: web.Request, path: str, token: str) -> str:
    return f"{settings_of(request.app).public_url}/{path}#token={token}"
