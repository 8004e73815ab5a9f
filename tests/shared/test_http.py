"""HTTP plumbing: every failure is problem+json naming what is wrong; bearer tokens are
verified strictly; the OpenAPI document is generated from the same models and is valid."""

import base64
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import jwt
import pytest
from aiohttp import web
from openapi_spec_validator import validate
from pydantic import BaseModel, Field

from shared.auth import JwksKeys, TokenVerifier, authentication
from shared.errors import Conflict
from shared.http import Api
from shared.http.openapi import openapi_document
from shared.http.problems import problems
from tests.support.infra import ADMIN_DSN
from tests.support.services import Running, serve
from tests.support.tokens import AUDIENCE, ISSUER, JwksServer, SigningKey, mint

api = Api("things")


class ThingIn(BaseModel):
    name: str = Field(min_length=1)
    count: int = Field(ge=0)
    tags: list[str] = []


class ThingOut(BaseModel):
    name: str
    count: int
    owner: uuid.UUID


class Paging(BaseModel):
    limit: int = Field(20, ge=1, le=100)
    q: str = ""


@api.post(
    "/things",
    summary="Make a thing",
    access="staff",
    body=ThingIn,
    response=ThingOut,
    status=201,
    errors=(409,),
)
async def make_thing(request: web.Request, *, principal, body: ThingIn) -> ThingOut:  # type: ignore[no-untyped-def]
    if body.name == "taken":
        raise Conflict("A thing with that name exists.", field="name")
    return ThingOut(name=body.name, count=body.count, owner=principal.user_id)


@api.get("/things", summary="List things", access="public", query=Paging, response=Paging)
async def list_things(request: web.Request, *, query: Paging) -> Paging:
    return query


@api.get("/things/count", summary="Count things", access="public", response=Paging)
async def count_things(request: web.Request) -> Paging:
    """Connects as the role the test names, as a service's pool would."""
    conn = await asyncpg.connect(request.query["dsn"])
    await conn.close()
    return Paging()


@pytest.fixture
async def things(jwks: JwksServer) -> AsyncIterator[Running]:
    keys = JwksKeys(jwks.url, min_refresh_seconds=0)
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, max_lifetime=900)
    app = web.Application(middlewares=[problems, authentication(verifier)])
    api.install(app)
    async with serve(app) as running:
        yield running
    await keys.close()


async def problem(response) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.content_type == "application/problem+json"
    return await response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_request_is_answered(things: Running, jwks: JwksServer) -> None:
    user = uuid.uuid4()
    token = mint(jwks.keys[0], sub=user)
    async with things.http.post(
        "/things", json={"name": "a", "count": 2}, headers=bearer(token)
    ) as r:
        assert r.status == 201
        assert await r.json() == {"name": "a", "count": 2, "owner": str(user)}


async def test_invalid_body_is_422_naming_the_field(things: Running, jwks: JwksServer) -> None:
    token = mint(jwks.keys[0])
    async with things.http.post(
        "/things", json={"name": "a", "count": -1}, headers=bearer(token)
    ) as r:
        assert r.status == 422
        body = await problem(r)
    assert body["field"] == "count"
    assert body["title"] == "Invalid input"
    json_type = {"Content-Type": "application/json"}
    async with things.http.post(
        "/things", data=b"{not json", headers=bearer(token) | json_type
    ) as r:
        assert r.status == 422
        assert (await problem(r))["field"] == "body"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
async def test_a_body_not_declared_as_json_is_415(
    things: Running, jwks: JwksServer, content_type: str | None
) -> None:
    """A form post from another site needs no CORS preflight: a JSON endpoint must not take it
    (nor a body whose type is missing) as JSON, however JSON-like its bytes."""
    headers = bearer(mint(jwks.keys[0])) | ({"Content-Type": content_type} if content_type else {})
    body = b'{"name": "a", "count": 2}'
    async with things.http.post("/things", data=body, headers=headers) as r:
        assert r.status == 415
        answer = await problem(r)
    assert (answer["title"], answer["field"]) == ("Unsupported media type", "body")
    json_types = ("application/json; charset=utf-8", "application/merge-patch+json")
    for accepted in json_types:
        headers = bearer(mint(jwks.keys[0])) | {"Content-Type": accepted}
        async with things.http.post("/things", data=body, headers=headers) as r:
            assert r.status == 201


async def test_invalid_query_is_422_naming_the_parameter(things: Running) -> None:
    async with things.http.get("/things", params={"limit": "1000"}) as r:
        assert r.status == 422
        assert (await problem(r))["field"] == "limit"


async def test_text_with_a_nul_character_is_422_naming_the_field(
    things: Running, jwks: JwksServer
) -> None:
    """PostgreSQL text cannot store NUL: it is refused before any handler sees it."""
    token = mint(jwks.keys[0])
    for body, field in (({"name": "a\x00b", "count": 1}, "name"),
                        ({"name": "a", "count": 1, "tags": ["x", "\x00"]}, "tags.1")):  # fmt: skip
        async with things.http.post("/things", json=body, headers=bearer(token)) as r:
            assert r.status == 422
            assert (await problem(r))["field"] == field
    async with things.http.get("/things", params={"q": "a\x00"}) as r:
        assert r.status == 422
        assert (await problem(r))["field"] == "q"


async def test_a_number_beyond_64_bits_is_422_naming_the_field(
    things: Running, jwks: JwksServer
) -> None:
    token = mint(jwks.keys[0])
    async with things.http.post(
        "/things", json={"name": "a", "count": 2**63}, headers=bearer(token)
    ) as r:
        assert r.status == 422
        assert (await problem(r))["field"] == "count"
    async with things.http.post(
        "/things", json={"name": "a", "count": 2**63 - 1}, headers=bearer(token)
    ) as r:
        assert r.status == 201


async def test_domain_refusal_and_unknown_routes_are_problems(
    things: Running, jwks: JwksServer
) -> None:
    token = mint(jwks.keys[0])
    async with things.http.post(
        "/things", json={"name": "taken", "count": 1}, headers=bearer(token)
    ) as r:
        assert r.status == 409
        assert (await problem(r))["field"] == "name"
    async with things.http.get("/nowhere") as r:
        assert r.status == 404
        assert (await problem(r))["title"] == "Not found"
    async with things.http.delete("/things") as r:
        assert r.status == 405
        await problem(r)


async def test_contact_cannot_reach_staff_route(things: Running, jwks: JwksServer) -> None:
    token = mint(jwks.keys[0], kind="contact", role=None)
    async with things.http.post(
        "/things", json={"name": "a", "count": 1}, headers=bearer(token)
    ) as r:
        assert r.status == 403
        await problem(r)


def hs256_with_public_key(key: SigningKey) -> str:
    """CVE-2022-29217's shape: an HMAC token keyed with the server's public key."""
    public = key.jwk()["x"]
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "firm_id": str(uuid.uuid4()),
        "kind": "staff",
        "role": "owner",
        "iat": now,
        "exp": now + 60,
        "jti": "x",
    }
    secret = base64.urlsafe_b64decode(public + "==")
    return jwt.encode(claims, secret, algorithm="HS256", headers=header)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda k: mint(k, expires_in=-10), id="expired"),
        # Revocations are remembered only as long as identity's longest token lives (900 s).
        pytest.param(lambda k: mint(k, expires_in=3600), id="longer-life-than-issued"),
        pytest.param(lambda k: mint(SigningKey(kid=k.kid)), id="wrong-signature"),
        pytest.param(lambda k: mint(SigningKey()), id="unknown-kid"),
        pytest.param(lambda k: mint(k)[:-4] + "AAAA", id="tampered"),
        pytest.param(lambda k: mint(k, aud="elsewhere"), id="wrong-audience"),
        pytest.param(hs256_with_public_key, id="hmac-with-public-key"),
        pytest.param(lambda k: "not-a-jwt", id="garbage"),
    ],
)
async def test_bad_tokens_are_401(things: Running, jwks: JwksServer, make_token) -> None:  # type: ignore[no-untyped-def]
    token = make_token(jwks.keys[0])
    async with things.http.post(
        "/things", json={"name": "a", "count": 1}, headers=bearer(token)
    ) as r:
        assert r.status == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        await problem(r)


async def test_missing_token_is_401(things: Running) -> None:
    async with things.http.post("/things", json={"name": "a", "count": 1}) as r:
        assert r.status == 401
        await problem(r)


async def test_rotated_in_key_is_accepted_after_jwks_refresh(
    things: Running, jwks: JwksServer
) -> None:
    rotated = SigningKey()
    token = mint(rotated)
    async with things.http.post(
        "/things", json={"name": "a", "count": 1}, headers=bearer(token)
    ) as r:
        assert r.status == 401
    jwks.keys.append(rotated)
    try:
        async with things.http.post(
            "/things", json={"name": "a", "count": 1}, headers=bearer(token)
        ) as r:
            assert r.status == 201
    finally:
        jwks.keys.remove(rotated)


async def test_a_token_is_503_to_retry_while_the_key_set_cannot_be_fetched() -> None:
    """Not 401: the token may well be good; the service cannot tell until identity answers."""
    jwks = JwksServer()
    await jwks.start()
    port = int(jwks.url.rsplit(":", 1)[1].split("/")[0])
    keys = JwksKeys(jwks.url, min_refresh_seconds=0)
    verifier = TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE)
    app = web.Application(middlewares=[problems, authentication(verifier)])
    api.install(app)
    token = mint(jwks.keys[0])
    async with serve(app) as running:
        await jwks.stop()
        async with running.http.post(
            "/things", json={"name": "a", "count": 1}, headers=bearer(token)
        ) as r:
            assert r.status == 503
            assert r.headers["Retry-After"]
            await problem(r)
        await jwks.start(port)
        async with running.http.post(
            "/things", json={"name": "a", "count": 1}, headers=bearer(token)
        ) as r:
            assert r.status == 201
    await keys.close()
    await jwks.stop()


def test_openapi_document_is_valid_and_uses_the_route_models() -> None:
    document = openapi_document("Things", "test", api.routes)
    validate(document)
    operation = document["paths"]["/things"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThingIn"
    }
    assert set(operation["responses"]) == {"201", "401", "403", "409", "413", "415", "422"}
    listing = document["paths"]["/things"]["get"]
    assert listing["parameters"][0]["name"] == "limit"


async def test_a_database_taking_no_more_connections_is_503_to_retry(things: Running) -> None:
    """PostgreSQL refusing a connection (every slot in use) is no fault of the request: 503
    with Retry-After, like a lost connection, not a 500."""
    role = f"full_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
        dsn = ADMIN_DSN.replace("postgres@", f"{role}@", 1)
        async with things.http.get("/things/count", params={"dsn": dsn}) as r:
            assert r.status == 503
            assert r.headers["Retry-After"] == "1"
            assert (await problem(r))["title"] == "Temporarily unavailable"
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()
