"""An identity service per test on its own database and bus namespace, the shared capture of
every event and every command to notify (tests/support/capture.py), and HTTP as someone."""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from services.identity.app import create_app
from services.identity.settings import IdentitySettings
from tests.support.capture import Capture
from tests.support.names import unique
from tests.support.services import Environment, Running, serve

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


_CURRENT: list[Capture] = []  # the test's capture, where `sign_up` reads the mails it gets


@pytest.fixture
def captured(captured: Capture) -> Iterator[Capture]:
    """The shared capture (tests/conftest.py), also known to `sign_up`."""
    _CURRENT.append(captured)
    yield captured
    _CURRENT.remove(captured)


@pytest.fixture
async def settings(env: Environment) -> IdentitySettings:
    return await env.settings(IdentitySettings, **FAST)


@pytest.fixture
async def identity(settings: IdentitySettings, captured: Capture) -> AsyncIterator[Running]:
    async with serve(create_app(settings)) as running:
        yield running


@pytest.fixture
async def sql(settings: IdentitySettings) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(settings.dsn)
    yield conn
    await conn.close()


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Client:
    """HTTP against the running service, optionally as someone."""

    def __init__(self, running: Running, token: str | None = None) -> None:
        self.running = running
        self.token = token

    def as_(self, token: str | None) -> "Client":
        return Client(self.running, token)

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.running.http.request(
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


@pytest.fixture
def client(identity: Running) -> Client:
    return Client(identity)


def new_email(prefix: str = "person") -> str:
    return f"{unique(prefix)}@example.com".lower()


async def sign_up(client: Client, password: str = PASSWORD, **overrides: Any) -> dict[str, Any]:
    """A firm signed up as its owner would: the form, then the link from the mail."""
    body = {
        "name": "Bokföring AB",
        "country": "SE",
        "plan": "bureau",
        "owner_name": "Olga Owner",
        "owner_email": new_email("owner"),
    } | overrides
    answer = await client.post("/api/v1/firms", body)
    assert answer.status == 202, answer.body
    token = await sign_up_token(body["owner_email"])
    answer = await client.post("/api/v1/firms/confirm", {"token": token, "password": password})
    assert answer.status == 201, answer.body
    return answer.body | {
        "email": body["owner_email"],
        "token": answer.body["tokens"]["access_token"],
    }


async def sign_up_token(email: str) -> str:
    """The token of the newest sign-up link mailed to `email`."""
    assert _CURRENT, "sign_up needs the captured fixture"
    captured = _CURRENT[-1]
    await captured.next("notify.send_sign_up_link", lambda d: d["email"] == email)
    mails = [d for d in captured.of("notify.send_sign_up_link") if d["email"] == email]
    return token_from(mails[-1]["link"])


def token_from(link: str) -> str:
    return link.split("#token=", 1)[1]


@pytest.fixture
async def sql_for() -> AsyncIterator[Callable[[IdentitySettings], Any]]:
    """Connections to a database of settings made inside the test."""
    opened: list[asyncpg.Connection] = []

    async def connect(settings: IdentitySettings) -> asyncpg.Connection:
        opened.append(await asyncpg.connect(settings.dsn))
        return opened[-1]

    yield connect
    for conn in opened:
        await conn.close()


async def allow_eid(client: Client, owner_token: str) -> None:
    """eID is off for a new firm; the local provider of the tests counts as configured."""
    methods = {"sign_in_methods": ["password", "magic_link", "eid"]}
    answer = await client.as_(owner_token).put("/api/v1/firms/current/portal-settings", methods)
    assert answer.status == 200, answer.body
