"""Key rotation with the old key verifying until its tokens expire; one use of a single-use
token however many requests race for it; the OpenAPI document covers every route."""

import asyncio
import json

import jwt
from openapi_spec_validator import validate

from services.identity.app import SPEC
from services.identity.settings import IdentitySettings
from tests.identity.integration.conftest import FAST, PASSWORD, Identity, StartIdentity, token_from
from tests.support.capture import Capture


def kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def test_rotation_keeps_old_tokens_valid_until_they_expire(
    start_identity: StartIdentity, env
) -> None:
    settings = await env.settings(IdentitySettings, **FAST, key_check_seconds=0.2)
    async with start_identity(settings) as identity:
        firm = await identity.sign_up()
        old = firm["token"]
        await identity.sql("UPDATE signing_keys SET created_at = now() - interval '31 days'")
        sign_in = {"email": firm["email"], "password": PASSWORD}

        async def new_kid() -> bool:
            answer = await identity.post("/api/v1/auth/sign-in", sign_in)
            return kid(answer.body["access_token"]) != kid(old)

        await identity.until(new_kid)
        jwks = await identity.get("/api/v1/auth/jwks.json")
        assert {k["kid"] for k in jwks.body["keys"]} >= {kid(old)}
        assert len(jwks.body["keys"]) == 2
        assert (await identity.as_(old).get("/api/v1/me")).status == 200
        await identity.sql(
            "UPDATE signing_keys SET retired_at = now() - interval '1 day' WHERE kid = $1", kid(old)
        )

        async def old_refused() -> bool:
            return (await identity.as_(old).get("/api/v1/me")).status == 401

        await identity.until(old_refused)
        jwks = await identity.get("/api/v1/auth/jwks.json")
        assert kid(old) not in {k["kid"] for k in jwks.body["keys"]}


async def test_private_keys_are_encrypted_at_rest(identity: Identity) -> None:
    await identity.sign_up()
    sealed, jwk = await identity.row("SELECT private_key, public_jwk::text FROM signing_keys")
    assert "d" not in json.loads(jwk)
    assert len(sealed) == 12 + 32 + 16  # nonce, Ed25519 seed, GCM tag


async def test_a_magic_link_signs_in_once_however_many_race(
    identity: Identity, captured: Capture
) -> None:
    firm = await identity.sign_up()
    await identity.post("/api/v1/auth/magic-link", {"email": firm["email"]})
    token = token_from((await captured.next("notify.send_magic_link"))["link"])
    answers = await asyncio.gather(
        *(identity.post("/api/v1/auth/magic-link/sign-in", {"token": token}) for _ in range(8))
    )
    assert sorted(a.status for a in answers) == [200] + [410] * 7


async def test_openapi_describes_every_route(identity: Identity) -> None:
    document = (await identity.get("/openapi.json")).body
    validate(document)
    for api in SPEC.apis:
        for route in api.routes:
            operation = document["paths"][route.path][route.method.lower()]
            assert operation["summary"] == route.summary
