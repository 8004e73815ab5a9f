"""Firm sign-up (confirmed from a link mailed to the owner) and the firm's own settings."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from services.identity.access import require_firm
from services.identity.api.limits import caller_address, hashing, sending_mail
from services.identity.api.links import DEAD_LINK, Accepted
from services.identity.clock import now
from services.identity.domain import check_password, language_for, normal_email
from services.identity.models import (
    Account,
    Context,
    Firm,
    FirmUpdate,
    NewFirm,
    NewSignUp,
    Proof,
    SignedUp,
    SignUp,
    SignUpConfirm,
)
from services.identity.opening import open_firm
from services.identity.second_factor import totp_matches
from services.identity.sessions import open_session
from services.identity.sign_in_limits import Checked, checked_password, forgive
from services.identity.store import accounts, firms
from services.identity.tokens import digest, new_secret
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import DomainError, Forbidden, Gone, Unauthorized
from shared.events.identity import FirmUpdated
from shared.events.notify import SendSignUpLink
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("firms")


@api.post(
    "/api/v1/firms",
    summary="Sign a firm up: a confirmation link goes to the owner's email",
    access="public",
    body=SignUp,
    response=Accepted,
    status=202,
    errors=(422, 429),
)
async def sign_up(request: web.Request, *, deps: IdentityDeps, body: SignUp) -> Accepted:
    """Answers 202 the same whether or not the email has an account, and creates nothing until
    the link is opened (POST /api/v1/firms/confirm)."""
    email = normal_email(body.owner_email, "owner_email")
    await sending_mail(deps, caller_address(request, deps), email)
    token, settings = new_secret(), deps.settings
    expires = now() + timedelta(minutes=settings.sign_up_link_minutes)
    details = body.model_copy(update={"owner_email": email})
    language = body.default_language or language_for(body.country)
    async with deps.db.transaction() as conn:
        pending = NewSignUp(
            token_hash=digest(token), email=email, details=details, expires_at=expires
        )
        await firms.insert_sign_up(conn, pending)
        existing = await accounts.get_account_by_email(conn, email)
        command = SendSignUpLink(
            email=email, language=language, firm_name=body.name.strip(),  # type: ignore[arg-type]
            link=f"{settings.public_url}/sign-up/confirm#token={token}", expires_at=expires,
            existing_account=existing is not None and existing.password_hash is not None,
        )  # fmt: skip
        await put(conn, command, firm_id=None, actor=None)
    return Accepted()


@api.post(
    "/api/v1/firms/confirm",
    summary="Create the firm from a sign-up link: a new password, or the existing account's own",
    access="public",
    body=SignUpConfirm,
    response=SignedUp,
    status=201,
    errors=(401, 403, 410, 422, 429),
)
async def confirm_sign_up(
    request: web.Request, *, deps: IdentityDeps, body: SignUpConfirm
) -> SignedUp:
    # Passwords are hashed with no connection held, between a look at the link and the
    # transaction that uses it (which looks again).
    source = caller_address(request, deps)
    await hashing(deps, source)
    token = digest(body.token)
    async with deps.db.transaction() as conn:
        signing_up = await firms.lock_sign_up(conn, token)
        if signing_up is None:
            raise Gone(DEAD_LINK, field="token")
        existing = await accounts.get_account_by_email(conn, signing_up.email)
    first = await _password(deps, signing_up.email, source, existing, body)
    async with deps.db.transaction() as conn:
        signing_up = await firms.lock_sign_up(conn, token)
        if signing_up is None:
            outcome: Proof | DomainError = Gone(DEAD_LINK, field="token")
        else:
            outcome = await _owner(deps, conn, signing_up.email, first, body)
        if isinstance(first, Checked) and not isinstance(outcome, Unauthorized):
            await forgive(conn, first)  # a wrong one-time code stays counted as a failure
        if signing_up is not None and not isinstance(outcome, DomainError):
            await firms.use_sign_up(conn, token)
            return await _create_firm(deps, conn, signing_up.details, outcome, source)
    assert isinstance(outcome, DomainError)  # every way that did not return was refused
    raise outcome


async def _password(
    deps: IdentityDeps, email: str, source: str, existing: Account | None, body: SignUpConfirm
) -> Checked | str:
    """For an email with an account and a password: that password, checked like a sign-in
    (the link proved the email, but an existing account is never entered by the link alone).
    Else the hash of the chosen new password."""
    passwords = deps.passwords
    if existing is None or existing.password_hash is None:
        check_password(body.password, passwords.common, second_factor=False)
        return await passwords.hash(body.password)
    checked = await checked_password(deps, email, source, body.password)
    if isinstance(checked, DomainError):
        # Counted like a failed sign-in; the link stays usable for the right password.
        raise Forbidden("Confirm with this account's own password.", field="password")
    return checked


async def _owner(
    deps: IdentityDeps, conn: Connection, email: str, first: Checked | str, body: SignUpConfirm
) -> Proof | DomainError:
    """The owner's account: a new one with the chosen password, or the existing account its
    own password proved (and its TOTP code, if on). Looked up again: should the account have
    changed since the password was checked, the confirmation is refused, never let through."""
    existing = await accounts.get_account_by_email(conn, email)
    if isinstance(first, str):
        if existing is not None and existing.password_hash is not None:
            return Forbidden("Confirm with this account's own password.", field="password")
        if existing is None:
            existing = await accounts.insert_account(conn, email, first)
        else:
            await accounts.update_password(conn, existing.id, first)
        return Proof(method="password", account_id=existing.id)
    if existing is None or existing.id != first.account_id:
        return Forbidden("Confirm with this account's own password.", field="password")
    code = await totp_matches(deps.keys, conn, existing.id, body.totp)
    if code is False:
        return Unauthorized("This account needs a current one-time code.", field="totp")
    return Proof(method="password", account_id=existing.id, second_factor=bool(code))


async def _create_firm(
    deps: IdentityDeps, conn: Connection, details: SignUp, proof: Proof, source: str
) -> SignedUp:
    assert proof.account_id is not None
    account = await accounts.get_account(conn, proof.account_id)
    assert account is not None
    language = details.default_language or language_for(details.country)
    new = NewFirm(
        name=details.name.strip(), country=details.country, plan=details.plan,
        default_language=language,
    )  # fmt: skip
    firm, owner_id = await open_firm(conn, new, account, details.owner_name.strip(),
                                     registered=True)  # fmt: skip
    context = Context(firm_id=firm.id, kind="staff", person_id=owner_id, role="owner")
    tokens = await open_session(deps, conn, proof, context, source=source)
    return SignedUp(firm=firm, owner_id=owner_id, tokens=tokens)


@api.get("/api/v1/firms/current", summary="The firm of my token", response=Firm)
async def get_firm(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> Firm:
    async with deps.db.transaction(readonly=True) as conn:
        return await require_firm(conn, principal)


@api.patch(
    "/api/v1/firms/current",
    summary="Change the firm's name or default language",
    access="staff",
    roles=ADMIN_ROLES,
    body=FirmUpdate,
    response=Firm,
    errors=(422,),
)
async def update_firm(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: FirmUpdate
) -> Firm:
    async with deps.db.transaction() as conn:
        firm = await require_firm(conn, principal)
        firm = await firms.update_firm(
            conn,
            firm.id,
            (body.name or firm.name).strip(),
            body.default_language or firm.default_language,
        )
        event = FirmUpdated(firm_id=firm.id, name=firm.name, default_language=firm.default_language)
        await put(conn, event, firm_id=firm.id, actor=principal.user_id)
    return firm
