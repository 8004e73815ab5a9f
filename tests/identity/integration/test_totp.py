"""TOTP: once confirmed, sign-in needs a fresh code; a used or wrong code is refused."""

import base64
import time

from services.identity.domain import totp_code
from tests.identity.integration.conftest import PASSWORD, Client, sign_up


def code(secret: str, ahead: int = 0) -> str:
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return totp_code(raw, int(time.time()) // 30 + ahead)


async def test_totp_is_required_once_confirmed(client: Client) -> None:
    firm = await sign_up(client)
    as_owner = client.as_(firm["token"])
    enrolment = await as_owner.post("/api/v1/auth/totp")
    assert enrolment.status == 201
    secret = enrolment.body["secret"]
    assert enrolment.body["uri"].startswith("otpauth://totp/")
    wrong = await as_owner.post("/api/v1/auth/totp/confirm", {"code": "000000"})
    assert wrong.status == 422
    assert wrong.body["field"] == "code"
    assert (await as_owner.post("/api/v1/auth/totp/confirm", {"code": code(secret)})).status == 204
    plain = {"email": firm["email"], "password": PASSWORD}
    missing = await client.post("/api/v1/auth/sign-in", plain)
    assert missing.status == 401
    assert missing.body["field"] == "totp"
    fresh = code(secret, ahead=1)
    assert (await client.post("/api/v1/auth/sign-in", plain | {"totp": fresh})).status == 200
    replay = await client.post("/api/v1/auth/sign-in", plain | {"totp": fresh})
    assert replay.status == 401
    again = await as_owner.post("/api/v1/auth/totp")
    assert again.status == 409
