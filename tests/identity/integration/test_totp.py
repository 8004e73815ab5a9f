"""TOTP: once confirmed, sign-in needs a fresh code; a used or wrong code is refused; turning
it off needs the password and a code, and a password long enough to stand alone."""

import base64
import time

from services.identity.domain import totp_code
from tests.identity.integration.conftest import PASSWORD, Identity


def code(secret: str, ahead: int = 0) -> str:
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return totp_code(raw, int(time.time()) // 30 + ahead)


async def test_totp_is_required_once_confirmed(identity: Identity) -> None:
    firm = await identity.sign_up()
    as_owner = identity.as_(firm["token"])
    enrolment = await as_owner.post("/api/v1/auth/totp")
    assert enrolment.status == 201
    secret = enrolment.body["secret"]
    assert (await as_owner.get("/api/v1/me")).body["totp_enabled"] is False  # not confirmed
    assert enrolment.body["uri"].startswith("otpauth://totp/")
    wrong = await as_owner.post("/api/v1/auth/totp/confirm", {"code": "000000"})
    assert wrong.status == 422
    assert wrong.body["field"] == "code"
    assert (await as_owner.post("/api/v1/auth/totp/confirm", {"code": code(secret)})).status == 204
    assert (await as_owner.get("/api/v1/me")).body["totp_enabled"] is True
    plain = {"email": firm["email"], "password": PASSWORD}
    missing = await identity.post("/api/v1/auth/sign-in", plain)
    assert missing.status == 401
    assert missing.body["field"] == "totp"
    fresh = code(secret, ahead=1)
    assert (await identity.post("/api/v1/auth/sign-in", plain | {"totp": fresh})).status == 200
    replay = await identity.post("/api/v1/auth/sign-in", plain | {"totp": fresh})
    assert replay.status == 401
    again = await as_owner.post("/api/v1/auth/totp")
    assert again.status == 409


async def test_totp_is_turned_off_with_the_password_and_a_code(identity: Identity) -> None:
    firm = await identity.sign_up()
    as_owner = identity.as_(firm["token"])
    secret = (await as_owner.post("/api/v1/auth/totp")).body["secret"]
    assert (await as_owner.post("/api/v1/auth/totp/confirm", {"code": code(secret)})).status == 204

    def off(password: str, ahead: int) -> dict[str, str]:
        return {"password": password, "code": code(secret, ahead)}

    wrong_password = await as_owner.call("DELETE", "/api/v1/auth/totp", off("not it at all", 1))
    wrong_code = await as_owner.call("DELETE", "/api/v1/auth/totp", off(PASSWORD, 5))
    done = await as_owner.call("DELETE", "/api/v1/auth/totp", off(PASSWORD, 1))
    plain = await identity.post(
        "/api/v1/auth/sign-in", {"email": firm["email"], "password": PASSWORD}
    )

    assert (wrong_password.status, wrong_password.body["field"]) == (403, "password")
    assert (wrong_code.status, wrong_code.body["field"]) == (403, "code")
    assert (done.status, plain.status) == (204, 200)


async def test_a_short_password_allowed_with_totp_keeps_totp_on(identity: Identity) -> None:
    firm = await identity.sign_up()
    as_owner = identity.as_(firm["token"])
    secret = (await as_owner.post("/api/v1/auth/totp")).body["secret"]
    assert (await as_owner.post("/api/v1/auth/totp/confirm", {"code": code(secret)})).status == 204
    short = "kort men ok 7"  # 13 characters: enough only beside a second factor
    change = {"current_password": PASSWORD, "new_password": short}
    assert (await as_owner.put("/api/v1/me/password", change)).status == 204

    off = {"password": short, "code": code(secret, 1)}
    refused = await as_owner.call("DELETE", "/api/v1/auth/totp", off)

    assert (refused.status, refused.body["field"]) == (422, "password")
    sign_in = {"email": firm["email"], "password": short}
    assert (await identity.post("/api/v1/auth/sign-in", sign_in)).body["field"] == "totp"
