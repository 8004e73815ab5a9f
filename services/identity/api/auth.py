"""Sign-in with a password, refresh, sign-out, context switching, `me` and the key set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from services.identity.api.limits import caller_address
from services.identity.domain import check_password
from services.identity.models import (
    Context,
    Jwks,
    LanguageIn,
    Me,
    PasswordChange,
    Proof,
    RefreshIn,
    SignIn,
    SwitchIn,
    Tokens,
)
from services.identity.people import change_language, language_of
from services.identity.revocations import ended
from services.identity.sessions import (
    TotpRequired,
    credentials_holder,
    current_session,
    enter,
    proven,
    refresh,
)
from services.identity.sign_in_limits import checked_password, forgive
from services.identity.store import accounts
from shared.auth import Principal
from shared.database import Connection
from shared.errors import DomainError, Forbidden
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("auth")


@api.get(
    "/api/v1/auth/jwks.json",
    summary="Public keys that verify access tokens",
    access="public",
    response=Jwks,
)
async def jwks(request: web.Request, *, deps: IdentityDeps) -> Jwks:
    return Jwks(keys=await deps.keys.jwks())


@api.post(
    "/api/v1/auth/sign-in",
    summary="Sign in with email and password",
    access="public",
    body=SignIn,
    response=Tokens,
    errors=(401, 403, 422, 429),
)
async def sign_in(request: web.Request, *, deps: IdentityDeps, body: SignIn) -> Tokens:
    """A staff context of an account with TOTP on needs `totp`; without it (or with a wrong one)
    the 401 carries a `challenge` to finish at /api/v1/auth/totp/verify.

    The limit is checked before the password, so once reached even the right one is refused."""
    email, source = body.email.strip().lower(), caller_address(request, deps)
    # Hashed with no connection held; the attempt counts as a failure until `forgive`.
    checked = await checked_password(deps, email, source, body.password)
    if isinstance(checked, DomainError):
        raise checked
    proof = Proof(method="password", account_id=checked.account_id)
    async with deps.db.transaction() as conn:
        wanted = (body.firm_id, body.client_id)
        outcome = await enter(deps, conn, proof, wanted, body.totp, source=source)
        if isinstance(outcome, Tokens):
            await accounts.delete_failures(conn, email, source)
            return outcome
        # A missing code is the expected second step, not a failed guess; a wrong one is.
        if not body.totp and isinstance(outcome, TotpRequired):
            await forgive(conn, checked)
    raise outcome


@api.post(
    "/api/v1/auth/refresh",
    summary="Trade a refresh token for new tokens (the old one stops working)",
    access="public",
    body=RefreshIn,
    response=Tokens,
    errors=(401, 422),
)
async def refresh_tokens(request: web.Request, *, deps: IdentityDeps, body: RefreshIn) -> Tokens:
    async with deps.db.transaction() as conn:
        outcome = await refresh(deps, conn, body.refresh_token)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@api.post("/api/v1/auth/sign-out", summary="End this session", status=204)
async def sign_out(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        session = await current_session(conn, principal)
        await ended(conn, await accounts.revoke_session(conn, session.id), principal.user_id)


@api.put(
    "/api/v1/me/password",
    summary="Change my password; the current one is asked again and my other sessions end",
    body=PasswordChange,
    status=204,
    errors=(403, 422, 429),
)
async def change_password(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: PasswordChange
) -> None:
    source = caller_address(request, deps)
    async with deps.db.transaction() as conn:
        account = await credentials_holder(conn, principal)
        _, totp_on, _ = await accounts.get_totp(conn, account.id)
    checked = await checked_password(deps, account.email, source, body.current_password)
    if isinstance(checked, DomainError):
        # Not 401: the session is fine, and a client would take 401 for "sign in again".
        raise Forbidden("The current password is wrong.", field="current_password")
    passwords = deps.passwords
    try:
        # With TOTP on, the password is not the only factor, so a shorter one is allowed.
        check_password(
            body.new_password, passwords.common, second_factor=totp_on, field="new_password"
        )
    except DomainError:
        async with deps.db.transaction() as conn:
            await forgive(conn, checked)  # the current password was right
        raise
    hashed = await passwords.hash(body.new_password)
    async with deps.db.transaction() as conn:
        # Checked again here: the session may have ended while the passwords were hashed.
        session = await current_session(conn, principal)
        await forgive(conn, checked)
        await accounts.update_password(conn, account.id, hashed)
        others = await accounts.revoke_other_sessions(conn, account.id, keep=session.id)
        await ended(conn, others, principal.user_id)


@api.post(
    "/api/v1/auth/switch",
    summary="Switch to another firm (or, for a contact, client) this session's sign-in proves",
    body=SwitchIn,
    response=Tokens,
    errors=(401, 403, 422),
)
async def switch(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: SwitchIn
) -> Tokens:
    """A secret-link session cannot switch; an eID session reaches only contacts; a staff
    membership needs password or magic link, and `totp` where the account uses it."""
    async with deps.db.transaction() as conn:
        session = await current_session(conn, principal)
        if session.method == "secret_link":
            raise Forbidden("A secret link opens only its own portal.", field="firm_id")
        wanted = (body.firm_id, body.client_id)
        source = caller_address(request, deps)
        outcome = await enter(deps, conn, session.proof, wanted, body.totp, source=source)
        if isinstance(outcome, Tokens):
            await ended(conn, await accounts.revoke_session(conn, session.id), principal.user_id)
            return outcome
    raise outcome


@api.get("/api/v1/me", summary="Who I am, where I am, and where else I may go", response=Me)
async def me(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> Me:
    async with deps.db.transaction(readonly=True) as conn:
        return await _me(conn, principal)


async def _me(conn: Connection, principal: Principal) -> Me:
    session = await current_session(conn, principal)
    account = await accounts.get_account(conn, session.account_id) if session.account_id else None
    return Me(
        account_id=account.id if account else None,
        email=account.email if account else None,
        method=session.method,
        language=await language_of(conn, principal),
        totp_enabled=account is not None and await accounts.get_totp_enabled(conn, account.id),
        context=_context(principal),
        memberships=await proven(conn, session.proof),
    )


@api.put(
    "/api/v1/me/language",
    summary="Choose my language, for the portal's pages and the mail I get",
    body=LanguageIn, response=Me, errors=(422,),
)  # fmt: skip
async def choose_language(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: LanguageIn
) -> Me:
    async with deps.db.transaction() as conn:
        await change_language(conn, principal, body.language)
        return await _me(conn, principal)


def _context(principal: Principal) -> Context:
    return Context(
        firm_id=principal.firm_id,
        kind=principal.kind,
        person_id=principal.user_id,
        client_id=principal.client_id,
        role=principal.role,  # type: ignore[arg-type]
    )
