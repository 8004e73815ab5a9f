"""TOTP second factor for staff: enrol, confirm with a first code, then required at sign-in;
turned off again with the password and a code."""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from services.identity.api.limits import caller_address
from services.identity.clock import now
from services.identity.domain import check_password, totp_step, totp_uri
from services.identity.models import (
    NewFailure,
    Proof,
    Strict,
    Tokens,
    TotpChallengeIn,
    secret_field,
)
from services.identity.second_factor import totp_aad, totp_matches
from services.identity.sessions import credentials_holder, enter
from services.identity.sign_in_limits import checked_password, forgive
from services.identity.store import accounts, challenges
from services.identity.tokens import digest
from shared.auth import Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Conflict, DomainError, Forbidden, Gone, Invalid, Unauthorized
from shared.events.identity import SecondFactorChanged
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("auth")

CHALLENGE_TRIES = 5


class TotpEnrolment(BaseModel):
    secret: str = Field(description="Base32 secret for an authenticator app; shown once.")
    uri: str = Field(description="otpauth:// URI, for a QR code.")


class TotpCode(Strict):
    code: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


class TotpOff(TotpCode):
    password: str = secret_field()


@api.post(
    "/api/v1/auth/totp",
    summary="Start TOTP enrolment: a new secret, active once a code confirms it",
    access="staff",
    response=TotpEnrolment,
    status=201,
    errors=(409,),
)
async def enrol(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> TotpEnrolment:
    secret = os.urandom(20)
    async with deps.db.transaction() as conn:
        account = await _account(conn, principal)
        _sealed, enabled, _step = await accounts.get_totp(conn, account)
        if enabled:
            raise Conflict("TOTP is already on for this account.")
        sealed = deps.keys.sealer.seal(totp_aad(account), secret)
        await accounts.update_totp(conn, account, sealed, False, None)
        found = await accounts.get_account(conn, account)
    assert found is not None
    issuer = deps.settings.token_issuer
    return TotpEnrolment(
        secret=base64.b32encode(secret).decode().rstrip("="),
        uri=totp_uri(secret, found.email, issuer),
    )


@api.post(
    "/api/v1/auth/totp/confirm",
    summary="Confirm TOTP enrolment with a current code; from now on sign-in asks for one",
    access="staff",
    body=TotpCode,
    status=204,
    errors=(409, 422),
)
async def confirm(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: TotpCode
) -> None:
    async with deps.db.transaction() as conn:
        account = await _account(conn, principal)
        sealed, enabled, last = await accounts.get_totp(conn, account)
        if sealed is None or enabled:
            raise Conflict("Start an enrolment first.")
        secret = deps.keys.sealer.open(totp_aad(account), sealed)
        step = totp_step(secret, body.code, now(), last)
        if step is None:
            raise Invalid("The code does not match.", field="code")
        await accounts.update_totp(conn, account, sealed, True, step)
        await _changed(conn, principal, enabled=True)


@api.delete(
    "/api/v1/auth/totp",
    summary="Turn TOTP off; a current code and the password are asked for",
    access="staff",
    body=TotpOff,
    status=204,
    errors=(403, 409, 422, 429),
)
async def turn_off(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: TotpOff
) -> None:
    # Both factors are asked, and counted like a sign-in attempt; the password is hashed
    # with no connection held (`checked_password`).
    source = caller_address(request, deps)
    async with deps.db.transaction() as conn:
        account_id = await _account(conn, principal)
        account = await accounts.get_account(conn, account_id)
        assert account is not None
        if not (await accounts.get_totp(conn, account_id))[1]:
            raise Conflict("TOTP is not on for this account.")
    checked = await checked_password(deps, account.email, source, body.password)
    if isinstance(checked, DomainError):
        raise Forbidden("The password is wrong.", field="password")
    async with deps.db.transaction() as conn:
        refused = await _second_factor(deps, conn, account_id, body)
        if not isinstance(refused, Forbidden):  # a wrong code stays counted as a failure
            await forgive(conn, checked)
        if refused is None:
            await _changed(conn, principal, enabled=False)
    if refused is not None:
        raise refused


async def _second_factor(
    deps: IdentityDeps, conn: Connection, account_id: UUID, body: TotpOff
) -> DomainError | None:
    """Turn TOTP off if the code is right and the password may stand alone; else the refusal,
    with nothing changed (not even the code used up)."""
    try:
        async with conn.transaction():
            right = await totp_matches(deps.keys, conn, account_id, body.code)
            if right is None:  # turned off meanwhile
                raise Conflict("TOTP is not on for this account.")
            if not right:
                return Forbidden("The code does not match.", field="code")
            # Without the second factor the password is the only one: NIST asks 15 characters.
            check_password(body.password, deps.passwords.common, second_factor=False)
            await accounts.update_totp(conn, account_id, None, False, None)
    except DomainError as refused:
        return refused
    return None


async def _changed(conn: Connection, principal: Principal, *, enabled: bool) -> None:
    changed = SecondFactorChanged(staff_id=principal.user_id, enabled=enabled)
    await put(conn, changed, firm_id=principal.firm_id, actor=principal.user_id)


async def _account(conn: Connection, principal: Principal) -> UUID:
    return (await credentials_holder(conn, principal)).id


@api.post(
    "/api/v1/auth/totp/verify",
    summary="Finish a sign-in that is waiting for the TOTP code (the `challenge` of its 401)",
    access="public",
    body=TotpChallengeIn,
    response=Tokens,
    errors=(401, 403, 410, 422, 429),
)
async def verify(request: web.Request, *, deps: IdentityDeps, body: TotpChallengeIn) -> Tokens:
    source = caller_address(request, deps)
    async with deps.db.transaction() as conn:
        outcome = await _finish(deps, conn, body, source)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def _finish(
    deps: IdentityDeps, conn: Connection, body: TotpChallengeIn, source: str
) -> Tokens | DomainError:
    """A wrong code counts against the challenge and as a failed sign-in of the account from
    this source; the challenge dies after a few, and with it the first factor."""
    hashed = digest(body.challenge)
    pending = await challenges.lock_challenge(conn, hashed, CHALLENGE_TRIES)
    if pending is None:
        return Gone("This sign-in is no longer waiting for a code; start again.", field="challenge")
    account = await accounts.get_account(conn, pending["account_id"])
    assert account is not None
    if not await totp_matches(deps.keys, conn, account.id, body.code):
        await challenges.count_attempt(conn, hashed)
        await accounts.insert_failure(
            conn, NewFailure(email=account.email, source=source, failed_at=now())
        )
        return Unauthorized("The code does not match.", field="code")
    await challenges.use_challenge(conn, hashed)
    proof = Proof(method=pending["method"], account_id=account.id, second_factor=True)
    wanted = (pending["firm_id"], pending["client_id"])
    return await enter(deps, conn, proof, wanted, None, source=source)
