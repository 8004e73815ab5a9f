"""TOTP second factor for staff: enrol, confirm with a first code, then required at sign-in;
turned off again with the password and a code."""

import base64
import os
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from services.identity.api.common import (
    caller_address,
    checked_password,
    current_session,
    db,
    now,
)
from services.identity.domain import check_password, totp_step, totp_uri
from services.identity.models import Strict, secret_field
from services.identity.resources import KEYS, PASSWORDS, settings_of
from services.identity.store import accounts
from shared.auth import Principal
from shared.database import Connection
from shared.errors import Conflict, DomainError, Forbidden, Invalid, Unauthorized
from shared.http.routing import Api

api = Api("auth")


class TotpEnrolment(BaseModel):
    secret: str = Field(description="Base32 secret for an authenticator app; shown once.")
    uri: str = Field(description="otpauth:// URI, for a QR code.")


class TotpCode(Strict):
    code: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


class TotpOff(TotpCode):
    password: str = secret_field()


def _aad(account_id: UUID) -> str:
    return f"totp:{account_id}"


@api.post(
    "/api/v1/auth/totp",
    summary="Start TOTP enrolment: a new secret, active once a code confirms it",
    access="staff",
    response=TotpEnrolment,
    status=201,
    errors=(409,),
)
async def enrol(request: web.Request, *, principal: Principal) -> TotpEnrolment:
    secret = os.urandom(20)
    async with db(request).transaction() as conn:
        account = await _account(conn, principal)
        _sealed, enabled, _step = await accounts.get_totp(conn, account)
        if enabled:
            raise Conflict("TOTP is already on for this account.")
        sealed = request.app[KEYS].sealer.seal(_aad(account), secret)
        await accounts.update_totp(conn, account, sealed, False, None)
        found = await accounts.get_account(conn, account)
    assert found is not None
    issuer = settings_of(request.app).token_issuer
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
async def confirm(request: web.Request, *, principal: Principal, body: TotpCode) -> None:
    async with db(request).transaction() as conn:
        account = await _account(conn, principal)
        sealed, enabled, last = await accounts.get_totp(conn, account)
        if sealed is None or enabled:
            raise Conflict("Start an enrolment first.")
        secret = request.app[KEYS].sealer.open(_aad(account), sealed)
        step = totp_step(secret, body.code, now(), last)
        if step is None:
            raise Invalid("The code does not match.", field="code")
        await accounts.update_totp(conn, account, sealed, True, step)


@api.delete(
    "/api/v1/auth/totp",
    summary="Turn TOTP off; a current code and the password are asked for",
    access="staff",
    body=TotpOff,
    status=204,
    errors=(403, 409, 422, 429),
)
async def turn_off(request: web.Request, *, principal: Principal, body: TotpOff) -> None:
    source = caller_address(request)
    async with db(request).transaction() as conn:
        account_id = await _account(conn, principal)
        account = await accounts.get_account(conn, account_id)
        assert account is not None
        if not (await accounts.get_totp(conn, account_id))[1]:
            raise Conflict("TOTP is not on for this account.")
        refused = await _both_factors(request, conn, account.email, source, body)
        if refused is None:
            # Without the second factor the password is the only one: NIST asks 15 characters.
            check_password(body.password, request.app[PASSWORDS].common, second_factor=False)
            await accounts.update_totp(conn, account_id, None, False, None)
            return
        await accounts.insert_failure(conn, account.email, source, now())
    raise refused


async def _both_factors(
    request: web.Request, conn: Connection, email: str, source: str, body: TotpOff
) -> DomainError | None:
    """None if the password and the code are right; counted like a sign-in attempt."""
    checked = await checked_password(request, conn, email, source, body.password)
    if isinstance(checked, DomainError):
        return Forbidden("The password is wrong.", field="password")
    wrong = await second_factor(request.app, conn, checked, body.code)
    return Forbidden("The code does not match.", field="code") if wrong else None


async def second_factor(
    app: web.Application, conn: Connection, account_id: UUID, code: str | None
) -> Unauthorized | None:
    """None when the account needs no code or the code is right (and now used up)."""
    sealed, enabled, last = await accounts.get_totp(conn, account_id)
    if not enabled or sealed is None:
        return None
    if not code:
        return Unauthorized("This account needs a one-time code from its app.", field="totp")
    step = totp_step(app[KEYS].sealer.open(_aad(account_id), sealed), code, now(), last)
    if step is None:
        return Unauthorized("Wrong email, password or code.", field="totp")
    await accounts.use_totp_step(conn, account_id, step)
    return None


async def _account(conn: Connection, principal: Principal) -> UUID:
    return (await current_session(conn, principal)).account_id
