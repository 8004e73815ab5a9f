"""Secret links: registration from an invitation, magic-link sign-in, password reset.

Unknown, used and expired tokens all answer the same 410, so a link's fate never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel

from services.identity.api.limits import caller_address, hashing, sending_mail
from services.identity.clock import now
from services.identity.domain import check_password, normal_email
from services.identity.models import (
    Account,
    Contact,
    EmailIn,
    InvitationAccept,
    InvitationDetails,
    MagicSignIn,
    Membership,
    NewOneTimeToken,
    PasswordTokenIn,
    Proof,
    Staff,
    TokenIn,
    Tokens,
)
from services.identity.revocations import ended
from services.identity.sessions import enter, memberships
from services.identity.store import accounts, clients, contacts, firms
from services.identity.tokens import digest, new_secret
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Conflict, DomainError, Gone
from shared.events.identity import ContactRegistered
from shared.events.notify import SendMagicLink, SendPasswordReset
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

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
    errors=(401, 409, 410, 422, 429),
)
async def register(request: web.Request, *, deps: IdentityDeps, body: PasswordTokenIn) -> Tokens:
    """For an email with no password yet. One that already has an account accepts at
    /api/v1/auth/invitation/accept instead (409 here)."""
    passwords = deps.passwords
    check_password(body.password, passwords.common, second_factor=False)
    source = caller_address(request, deps)
    await hashing(deps, source)
    async with deps.db.transaction() as conn:
        invitee = await _invitee(conn, body.token)
        if invitee.account.password_hash is not None:
            raise Conflict(
                "This email already has an account; accept the invitation with it instead.",
                field="token",
            )
        await accounts.update_password(
            conn, invitee.account.id, await passwords.hash(body.password)
        )
        outcome = await accept_invitation(
            deps, conn, invitee, Proof(method="password"), None, source=source
        )
    return raised(outcome)


@api.post(
    "/api/v1/auth/invitation/accept",
    summary="Accept an invitation with the account this email already has, and sign in",
    access="public",
    body=InvitationAccept,
    response=Tokens,
    errors=(401, 403, 409, 410, 422),
)
async def accept(request: web.Request, *, deps: IdentityDeps, body: InvitationAccept) -> Tokens:
    """Opening the mailed link proves the email, which links the invitation to the account; a
    staff membership with TOTP on asks for `totp` (or answers with a challenge)."""
    async with deps.db.transaction() as conn:
        invitee = await _invitee(conn, body.token)
        if invitee.account.password_hash is None:
            raise Conflict("Choose a password first: register with this link.", field="token")
        outcome = await accept_invitation(
            deps, conn, invitee, Proof(method="magic_link"), body.totp,
            source=caller_address(request, deps),
        )  # fmt: skip
    return raised(outcome)


@api.post(
    "/api/v1/auth/invitation/details",
    summary="What an invitation link is for, without using it: the address it was mailed to, "
    "the firm, and whether to register or accept with an existing account",
    access="public", body=TokenIn, response=InvitationDetails, errors=(410, 422),
)  # fmt: skip
async def details(request: web.Request, *, deps: IdentityDeps, body: TokenIn) -> InvitationDetails:
    async with deps.db.transaction(readonly=True) as conn:
        invitation = await contacts.get_live_invitation(conn, digest(body.token))
        addressee = await _addressee(conn, invitation, "token")
        firm = await firms.get_firm(conn, addressee.firm_id)
        account = await accounts.get_account_by_email(conn, addressee.email)
    person = addressee.contact or addressee.staff
    if firm is None or person is None:
        raise Gone(DEAD_LINK, field="token")
    return InvitationDetails(
        email=addressee.email, firm_name=firm.name, language=person.language,
        has_account=account is not None and account.password_hash is not None,
    )  # fmt: skip


def raised(outcome: Tokens | DomainError) -> Tokens:
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class Invitee:
    firm_id: UUID
    account: Account
    contact: Contact | None = None
    staff: Staff | None = None


async def _invitee(conn: Connection, token: str) -> Invitee:
    invitation = await contacts.use_invitation(conn, digest(token))
    return await invitee_of(conn, invitation, "token")


@dataclass(frozen=True)
class Addressee:
    """Whom a live invitation was mailed to: a contact or a staff user, at `email`."""

    firm_id: UUID
    email: str
    contact: Contact | None = None
    staff: Staff | None = None


async def _addressee(conn: Connection, invitation: dict[str, Any] | None, field: str) -> Addressee:
    """An invitation is bound to the address it was mailed to: one whose contact has since
    been given another email is dead, so no link ever opens an address it was not sent to (a
    firm cannot send a link to itself, then point the contact at someone's account)."""
    if invitation is None or invitation["email"] is None:
        raise Gone(DEAD_LINK, field=field)
    email, firm_id = invitation["email"], invitation["firm_id"]
    if invitation["contact_id"] is not None:
        contact = await contacts.get_contact(conn, firm_id, invitation["contact_id"])
        if contact is None or (contact.email or "").lower() != email.lower():
            raise Gone(DEAD_LINK, field=field)
        return Addressee(firm_id, email, contact=contact)
    staff = await firms.get_staff(conn, firm_id, invitation["staff_id"])
    if staff is None or not staff.active:
        raise Gone(DEAD_LINK, field=field)
    return Addressee(firm_id, email, staff=staff)


async def invitee_of(conn: Connection, invitation: dict[str, Any] | None, field: str) -> Invitee:
    """Who a live (just used) invitation was mailed to, with their account (a new contact's
    made now, without a password)."""
    addressee = await _addressee(conn, invitation, field)
    if addressee.contact is not None:
        account = await accounts.get_account_by_email(conn, addressee.email)
        account = account or await accounts.insert_account(conn, addressee.email, None)
        return Invitee(addressee.firm_id, account, contact=addressee.contact)
    assert addressee.staff is not None
    account = await accounts.get_account(conn, addressee.staff.account_id)
    if account is None:
        raise Gone(DEAD_LINK, field=field)
    return Invitee(addressee.firm_id, account, staff=addressee.staff)


async def accept_invitation(
    deps: IdentityDeps,
    conn: Connection,
    invitee: Invitee,
    proof: Proof,
    code: str | None,
    *,
    source: str | None = None,
) -> Tokens | DomainError:
    """Attach the membership to the account that proved the email, then enter it."""
    proof = proof.model_copy(update={"account_id": invitee.account.id})
    if invitee.contact is not None:
        await contacts.link_account(conn, invitee.firm_id, invitee.contact.id, invitee.account.id)
        event = ContactRegistered(contact_id=invitee.contact.id)
        await put(conn, event, firm_id=invitee.firm_id, actor=invitee.contact.id)
        linked = await clients.list_contact_clients(conn, invitee.firm_id, invitee.contact.id)
        if not linked:
            raise Gone(DEAD_LINK, field="token")
        wanted = (invitee.firm_id, linked[0].client_id)
        return await enter(deps, conn, proof, wanted, None, source=source)
    assert invitee.staff is not None
    await firms.mark_staff_registered(conn, invitee.firm_id, invitee.staff.id)
    return await enter(deps, conn, proof, (invitee.firm_id, None), code, source=source)


@api.post(
    "/api/v1/auth/magic-link",
    summary="Email me a one-time sign-in link (answers the same whether or not I exist)",
    access="public",
    body=EmailIn,
    response=Accepted,
    status=202,
    errors=(422, 429),
)
async def request_magic_link(
    request: web.Request, *, deps: IdentityDeps, body: EmailIn
) -> Accepted:
    email = normal_email(body.email)
    await sending_mail(deps, caller_address(request, deps), email)
    minutes = deps.settings.magic_link_minutes
    async with deps.db.transaction() as conn:
        found = await _issue_link(conn, email, "magic_link", timedelta(minutes=minutes))
        if found is not None:
            link, expires, language = _link(deps, "sign-in/link", found[0]), found[1], found[2]
            command = SendMagicLink(email=email, language=language, link=link, expires_at=expires)
            await put(conn, command, firm_id=None, actor=None)
    return Accepted()


@api.post(
    "/api/v1/auth/magic-link/sign-in",
    summary="Sign in with a one-time link's token",
    access="public",
    body=MagicSignIn,
    response=Tokens,
    errors=(401, 403, 410, 422),
)
async def magic_sign_in(request: web.Request, *, deps: IdentityDeps, body: MagicSignIn) -> Tokens:
    """A staff context with TOTP on needs `totp`; without it the 401 carries a `challenge` for
    /api/v1/auth/totp/verify (the link itself is used up either way)."""
    async with deps.db.transaction() as conn:
        account_id = await accounts.use_one_time_token(conn, digest(body.token), "magic_link")
        if account_id is None:
            raise Gone(DEAD_LINK, field="token")
        proof = Proof(method="magic_link", account_id=account_id)
        outcome = await enter(
            deps, conn, proof, (body.firm_id, body.client_id), body.totp,
            source=caller_address(request, deps),
        )  # fmt: skip
    return raised(outcome)


@api.post(
    "/api/v1/auth/password-reset",
    summary="Email me a password-reset link (answers the same whether or not I exist)",
    access="public",
    body=EmailIn,
    response=Accepted,
    status=202,
    errors=(422, 429),
)
async def request_reset(request: web.Request, *, deps: IdentityDeps, body: EmailIn) -> Accepted:
    email = normal_email(body.email)
    await sending_mail(deps, caller_address(request, deps), email)
    minutes = deps.settings.reset_link_minutes
    async with deps.db.transaction() as conn:
        found = await _issue_link(conn, email, "password_reset", timedelta(minutes=minutes))
        if found is not None:
            link, expires, language = _link(deps, "reset-password", found[0]), found[1], found[2]
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
    errors=(410, 422, 429),
)
async def complete_reset(
    request: web.Request, *, deps: IdentityDeps, body: PasswordTokenIn
) -> None:
    """The token is checked before anything is hashed, so dead tokens cost no hashing."""
    passwords = deps.passwords
    check_password(body.password, passwords.common, second_factor=False)
    await hashing(deps, caller_address(request, deps))
    async with deps.db.transaction() as conn:
        account_id = await accounts.use_one_time_token(conn, digest(body.token), "password_reset")
        if account_id is None:
            raise Gone(DEAD_LINK, field="token")
        await accounts.update_password(conn, account_id, await passwords.hash(body.password))
        await ended(conn, await accounts.revoke_account_sessions(conn, account_id), None)
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
    await accounts.insert_one_time_token(
        conn,
        NewOneTimeToken(
            token_hash=digest(token), purpose=purpose, account_id=account.id, expires_at=expires
        ),
    )
    return token, expires, await _language(conn, places[0])


async def _language(conn: Connection, place: Membership) -> str:
    """The language of the person's first membership."""
    if place.kind == "staff":
        staff = await firms.get_staff(conn, place.firm_id, place.person_id)
        return staff.language if staff else "en"
    contact = await contacts.get_contact(conn, place.firm_id, place.person_id)
    return contact.language if contact else "en"


def _link(deps: IdentityDeps, path: str, token: str) -> str:
    return f"{deps.settings.public_url}/{path}#token={token}"
