"""Firm sign-up, password sign-in and change, tokens (JWKS, expiry, tampering, refresh
rotation, sign-out) and the failed sign-in limit."""

import time

import jwt

from services.identity.settings import IdentitySettings
from shared.auth import JwksKeys, TokenVerifier
from shared.http.routing import DEPS
from tests.identity.integration.conftest import (
    PASSWORD,
    Identity,
    StartIdentity,
    new_email,
)
from tests.support.capture import Capture


async def test_sign_up_creates_firm_and_owner_and_announces_it(
    identity: Identity, captured: Capture
) -> None:
    firm = await identity.sign_up(name="Revisorerna AB", plan="partner")
    created = await captured.next("identity.firm.created")
    assert created == {
        "firm_id": firm["firm"]["id"],
        "name": "Revisorerna AB",
        "country": "SE",
        "plan": "partner",
        "default_language": "sv",
        "owner_id": firm["owner_id"],
    }
    owner = await captured.next("identity.staff.created")
    assert owner["role"] == "owner"
    assert owner["email"] == firm["email"]
    me = await identity.as_(firm["token"]).get("/api/v1/me")
    assert me.status == 200
    assert me.body["context"] == {
        "firm_id": firm["firm"]["id"], "kind": "staff", "person_id": firm["owner_id"],
        "client_id": None, "role": "owner",
    }  # fmt: skip


async def test_sign_up_refuses_bad_input_and_creates_nothing(identity: Identity) -> None:
    cases = [
        ({"owner_email": "not-an-email"}, "owner_email"),
        # The password is chosen only from the mailed link, never sent with the form.
        ({"owner_password": PASSWORD}, "owner_password"),
        ({"plan": "gold"}, "plan"),
        ({"country": "Sweden"}, "country"),
    ]
    for change, field in cases:
        body = {
            "name": "X AB", "country": "SE", "plan": "bureau", "owner_name": "O",
            "owner_email": new_email(),
        } | change  # fmt: skip
        answer = await identity.post("/api/v1/firms", body)
        assert answer.status == 422, (change, answer.body)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.body["field"] == field
    email = new_email()
    form = {"name": "X AB", "country": "SE", "plan": "bureau", "owner_name": "O"}
    assert (await identity.post("/api/v1/firms", form | {"owner_email": email})).status == 202
    token = await identity.sign_up_token(email)
    for password in ("short pass", "correct horse battery staple"):
        answer = await identity.post(
            "/api/v1/firms/confirm", {"token": token, "password": password}
        )
        assert answer.status == 422, answer.body
        assert answer.body["field"] == "password"
    dead = await identity.post("/api/v1/firms/confirm", {"token": "x" * 43, "password": PASSWORD})
    assert dead.status == 410
    assert await identity.value("SELECT count(*) FROM firms") == 0
    assert await identity.value("SELECT count(*) FROM accounts") == 0
    # A refused password leaves the link usable.
    done = await identity.post("/api/v1/firms/confirm", {"token": token, "password": PASSWORD})
    assert done.status == 201


async def test_another_service_verifies_tokens_from_the_jwks(identity: Identity) -> None:
    firm = await identity.sign_up()
    keys = JwksKeys(f"{identity.service.url}/api/v1/auth/jwks.json")
    verifier = TokenVerifier(keys, issuer="portal-identity", audience="portal")
    try:
        principal = await verifier.verify(firm["token"])
    finally:
        await keys.close()
    assert str(principal.firm_id) == firm["firm"]["id"]
    assert principal.kind == "staff"
    assert principal.role == "owner"
    assert jwt.get_unverified_header(firm["token"])["typ"] == "at+jwt"


async def test_tampered_and_expired_tokens_are_refused(identity: Identity) -> None:
    firm = await identity.sign_up()
    head, _payload, signature = firm["token"].split(".")
    claims = jwt.decode(firm["token"], options={"verify_signature": False})
    forged = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps({**claims, "role": "admin"}).encode()
    ).decode()
    tampered = await identity.as_(f"{head}.{forged}.{signature}").get("/api/v1/me")
    assert tampered.status == 401
    past = int(time.time()) - 3600
    expired = identity.service.app[DEPS].keys.sign({**claims, "iat": past, "exp": past + 900})
    answer = await identity.as_(expired).get("/api/v1/me")
    assert answer.status == 401
    assert "expired" in answer.body["detail"]


async def test_refresh_rotates_and_reuse_revokes_the_family(identity: Identity) -> None:
    firm = await identity.sign_up()
    first = firm["tokens"]["refresh_token"]
    rotated = await identity.post("/api/v1/auth/refresh", {"refresh_token": first})
    assert rotated.status == 200
    newer = rotated.body["refresh_token"]
    assert newer != first
    replay = await identity.post("/api/v1/auth/refresh", {"refresh_token": first})
    assert replay.status == 401
    after = await identity.post("/api/v1/auth/refresh", {"refresh_token": newer})
    assert after.status == 401
    me = await identity.as_(rotated.body["access_token"]).get("/api/v1/me")
    assert me.status == 401


async def test_sign_out_refuses_the_access_and_refresh_tokens(identity: Identity) -> None:
    firm = await identity.sign_up()
    assert (await identity.as_(firm["token"]).post("/api/v1/auth/sign-out")).status == 204
    assert (await identity.as_(firm["token"]).get("/api/v1/me")).status == 401
    refresh = {"refresh_token": firm["tokens"]["refresh_token"]}
    assert (await identity.post("/api/v1/auth/refresh", refresh)).status == 401


async def test_a_signed_in_user_changes_their_password_and_other_sessions_end(
    identity: Identity,
) -> None:
    firm = await identity.sign_up()
    other = await identity.post(
        "/api/v1/auth/sign-in", {"email": firm["email"], "password": PASSWORD}
    )
    me = identity.as_(firm["token"])
    new = "a brand new long passphrase"

    wrong = await me.put("/api/v1/me/password", {"current_password": "nope", "new_password": new})
    weak = await me.put("/api/v1/me/password", {"current_password": PASSWORD, "new_password": "x"})
    done = await me.put("/api/v1/me/password", {"current_password": PASSWORD, "new_password": new})

    assert (wrong.status, wrong.body["field"]) == (403, "current_password")
    assert (weak.status, weak.body["field"]) == (422, "new_password")
    assert done.status == 204
    assert (await me.get("/api/v1/me")).status == 200
    assert (await identity.as_(other.body["access_token"]).get("/api/v1/me")).status == 401
    old = await identity.post(
        "/api/v1/auth/sign-in", {"email": firm["email"], "password": PASSWORD}
    )
    fresh = await identity.post("/api/v1/auth/sign-in", {"email": firm["email"], "password": new})
    assert (old.status, fresh.status) == (401, 200)


async def test_password_sign_in(identity: Identity) -> None:
    firm = await identity.sign_up()
    good = await identity.post(
        "/api/v1/auth/sign-in", {"email": firm["email"], "password": PASSWORD}
    )
    assert good.status == 200
    assert good.body["context"]["firm_id"] == firm["firm"]["id"]
    bad = await identity.post("/api/v1/auth/sign-in", {"email": firm["email"], "password": "wrong"})
    unknown = await identity.post("/api/v1/auth/sign-in", {"email": new_email(), "password": "x"})
    assert bad.status == unknown.status == 401
    assert bad.body["detail"] == unknown.body["detail"]


async def test_sixth_wrong_password_is_429_even_when_right_and_survives_restart(
    identity: Identity, settings: IdentitySettings, start_identity: StartIdentity
) -> None:
    victim, bystander = await identity.sign_up(), await identity.sign_up()
    wrong = {"email": victim["email"], "password": "not the password at all"}
    for _ in range(5):
        assert (await identity.post("/api/v1/auth/sign-in", wrong)).status == 401
    right = {"email": victim["email"], "password": PASSWORD}
    limited = await identity.post("/api/v1/auth/sign-in", right)
    assert limited.status == 429
    assert 0 < int(limited.headers["Retry-After"]) <= settings.failure_window_seconds
    other = {"email": bystander["email"], "password": PASSWORD}
    assert (await identity.post("/api/v1/auth/sign-in", other)).status == 200
    async with start_identity(settings) as second_replica:
        again = await second_replica.post("/api/v1/auth/sign-in", right)
    assert again.status == 429


async def test_failures_from_one_address_are_limited(start_identity: StartIdentity, env) -> None:
    settings = await env.settings(
        IdentitySettings, argon2_time_cost=1, argon2_memory_kib=1024, failures_per_source=3
    )
    async with start_identity(settings) as identity:
        firm = await identity.sign_up()
        for _ in range(3):
            body = {"email": new_email(), "password": "whatever it is"}
            assert (await identity.post("/api/v1/auth/sign-in", body)).status == 401
        right = {"email": firm["email"], "password": PASSWORD}
        assert (await identity.post("/api/v1/auth/sign-in", right)).status == 429


async def test_behind_the_gateway_each_caller_is_limited_on_its_own(
    start_identity: StartIdentity, env
) -> None:
    async def sign_in(running, body: dict, caller: str) -> int:  # type: ignore[no-untyped-def]
        url, headers = "/api/v1/auth/sign-in", {"X-Real-IP": caller}
        async with running.http.post(url, json=body, headers=headers) as response:
            return response.status

    for trusted, limited_elsewhere in ((["127.0.0.1/32"], False), (["192.0.2.0/24"], True)):
        settings = await env.settings(
            IdentitySettings, argon2_time_cost=1, argon2_memory_kib=1024, failures_per_source=3,
            trusted_proxies=trusted,
        )  # fmt: skip
        async with start_identity(settings) as running:
            firm = await running.sign_up()
            for _ in range(3):
                wrong = {"email": new_email(), "password": "whatever it is"}
                assert await sign_in(running, wrong, "203.0.113.9") == 401
            right = {"email": firm["email"], "password": PASSWORD}
            elsewhere = await sign_in(running, right, "198.51.100.7")
        # Through a trusted gateway the other caller is let in; from an untrusted peer the
        # header is a forgery anyone could send, so everybody shares the peer's count.
        assert elsewhere == (429 if limited_elsewhere else 200)
