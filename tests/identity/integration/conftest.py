"""An identity service per test in the shared test world (tests/support/world.py), with
identity's own calls: HTTP as someone (with the tokens identity itself issues), and a firm
signed up from the link it mails."""

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest

from services.identity.app import create_app
from services.identity.settings import IdentitySettings
from shared.bus import Bus, BusNames
from tests.support.capture import Capture
from tests.support.names import unique
from tests.support.services import Environment, serve
from tests.support.tokens import JwksServer
from tests.support.world import World

# Cheap hashing keeps tests fast; the benchmark measures the production parameters.
FAST = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "invitation_job_seconds": 0.2,
    "eid_confirm_seconds": 0.0,
    # Every test calls from 127.0.0.1; the limits themselves have tests of their own.
    "mail_per_address": 10_000,
    "mail_per_target": 10_000,
    "hashing_per_address": 10_000,
    "eid_per_address": 10_000,
}
PASSWORD = "a long enough passphrase"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass(kw_only=True)
class Identity(World):
    settings: IdentitySettings
    bearer: str | None = None  # the access token its HTTP calls carry, as identity issued it

    # --- HTTP as someone ------------------------------------------------------------------
    def as_(self, token: str | None) -> "Identity":
        """The same world, calling as the holder of `token` (or as no one)."""
        return replace(self, bearer=token)

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Answer:
        headers = {"Authorization": f"Bearer {self.bearer}"} if self.bearer else {}
        async with self.http.request(
            method, path, json=body, headers=headers, params=params or None
        ) as response:
            text = await response.text()
            data = json.loads(text) if text else None
            return Answer(response.status, data, dict(response.headers))

    async def get(self, path: str, **params: Any) -> Answer:
        return await self.call("GET", path, **params)

    async def post(self, path: str, body: Any = None) -> Answer:
        return await self.call("POST", path, body)

    async def put(self, path: str, body: Any = None) -> Answer:
        return await self.call("PUT", path, body)

    async def patch(self, path: str, body: Any = None) -> Answer:
        return await self.call("PATCH", path, body)

    async def delete(self, path: str) -> Answer:
        return await self.call("DELETE", path)

    # --- signing up -----------------------------------------------------------------------
    async def sign_up(self, password: str = PASSWORD, **overrides: Any) -> dict[str, Any]:
        """A firm signed up as its owner would: the form, then the link from the mail."""
        body = {
            "name": "Bokföring AB",
            "country": "SE",
            "plan": "bureau",
            "owner_name": "Olga Owner",
            "owner_email": new_email("owner"),
        } | overrides
        answer = await self.post("/api/v1/firms", body)
        assert answer.status == 202, answer.body
        token = await self.sign_up_token(body["owner_email"])
        answer = await self.post("/api/v1/firms/confirm", {"token": token, "password": password})
        assert answer.status == 201, answer.body
        return answer.body | {
            "email": body["owner_email"],
            "token": answer.body["tokens"]["access_token"],
        }

    async def sign_up_token(self, email: str) -> str:
        """The token of the newest sign-up link mailed to `email`."""
        await self.captured.next("notify.send_sign_up_link", lambda d: d["email"] == email)
        mails = [d for d in self.captured.of("notify.send_sign_up_link") if d["email"] == email]
        return token_from(mails[-1]["link"])

    async def allow_eid(self, owner_token: str) -> None:
        """eID is off for a new firm; the local provider of the tests counts as configured."""
        methods = {"sign_in_methods": ["password", "magic_link", "eid"]}
        answer = await self.as_(owner_token).put("/api/v1/firms/current/portal-settings", methods)
        assert answer.status == 200, answer.body


StartIdentity = Callable[[IdentitySettings], AbstractAsyncContextManager[Identity]]


@pytest.fixture
async def revocations() -> None:
    """Identity answers the revocation catch-up itself, from its database: no stand-in
    (tests/support/revocations.py) shares its request queue here."""
    return None


@pytest.fixture
async def settings(env: Environment) -> IdentitySettings:
    return await env.settings(IdentitySettings, **FAST)


@pytest.fixture
async def start_identity(
    env: Environment, jwks: JwksServer, captured: Capture
) -> AsyncIterator[StartIdentity]:
    """Run identity with settings made in the test, for as long as the `async with` lasts."""
    bus = Bus(env.amqp_url, BusNames(env.namespace), name="test")
    await bus.start()

    @asynccontextmanager
    async def start(settings: IdentitySettings) -> AsyncIterator[Identity]:
        async with serve(create_app(settings)) as running:
            yield Identity(
                service=running, bus=bus, captured=captured, jwks=jwks, settings=settings
            )

    try:
        yield start
    finally:
        await bus.stop()


@pytest.fixture
async def identity(
    start_identity: StartIdentity, settings: IdentitySettings
) -> AsyncIterator[Identity]:
    async with start_identity(settings) as world:
        yield world


def new_email(prefix: str = "person") -> str:
    return f"{unique(prefix)}@example.com".lower()


def token_from(link: str) -> str:
    return link.split("#token=", 1)[1]
