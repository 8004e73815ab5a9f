"""Sign-ins under load: each attempt is counted as a failure before its password is hashed, so
racing wrong guesses never get more hashes than the limit allows, on any number of replicas;
hashing holds no database connection and runs a bounded number at a time, so a flood of
sign-ins leaves the pool, and the cores beyond the bound, to every other request."""

import asyncio
from typing import Any

from services.identity.passwords import Passwords
from services.identity.settings import IdentitySettings
from shared.http.routing import DEPS
from tests.identity.integration.conftest import FAST, PASSWORD, Identity, StartIdentity
from tests.support.infra import wait_until


async def status(world: Identity, body: dict[str, Any]) -> int:
    return (await world.post("/api/v1/auth/sign-in", body)).status


async def test_racing_wrong_passwords_on_two_replicas_never_pass_the_limit(
    identity: Identity, settings: IdentitySettings, start_identity: StartIdentity
) -> None:
    victim = await identity.sign_up()
    wrong = {"email": victim["email"], "password": "not the password at all"}
    async with start_identity(settings) as second:
        statuses = await asyncio.gather(*(status(r, wrong) for r in [identity, second] * 10))
    limit = settings.failures_per_account
    # A 401 is a hashed guess; a 429 was refused before hashing.
    assert sorted(statuses) == [401] * limit + [429] * (20 - limit)
    failures = await identity.value(
        "SELECT count(*) FROM sign_in_failures WHERE email = $1", victim["email"]
    )
    assert failures == limit
    right = {"email": victim["email"], "password": PASSWORD}
    assert await status(identity, right) == 429


async def test_a_right_password_takes_back_its_attempt(identity: Identity) -> None:
    owner = await identity.sign_up()
    wrong = {"email": owner["email"], "password": "not the password at all"}
    assert await status(identity, wrong) == 401
    assert await status(identity, {"email": owner["email"], "password": PASSWORD}) == 200
    left = await identity.value(
        "SELECT count(*) FROM sign_in_failures WHERE email = $1", owner["email"]
    )
    assert left == 0


async def test_a_flood_of_sign_ins_hashes_a_bounded_few_at_once_and_others_are_served(
    start_identity: StartIdentity, env
) -> None:
    # Production's argon2 parameters, so that each hash takes a while; one pooled connection,
    # which sign-ins hashing at once must therefore not be holding.
    fast = {k: v for k, v in FAST.items() if not k.startswith("argon2")}
    settings = await env.settings(
        IdentitySettings, **fast, hashing_concurrency=2, database_pool_min=1, database_pool_max=1
    )
    async with start_identity(settings) as identity:
        passwords: Passwords = identity.service.app[DEPS].passwords  # type: ignore[attr-defined]
        owners = [await identity.sign_up() for _ in range(6)]
        first = await identity.post(
            "/api/v1/auth/sign-in", {"email": owners[0]["email"], "password": PASSWORD}
        )
        seen: set[int] = set()
        flood = [
            asyncio.create_task(status(identity, {"email": owner["email"], "password": PASSWORD}))
            for owner in owners * 2
        ]

        async def watch() -> None:
            while not all(task.done() for task in flood):
                seen.add(passwords.running)
                await asyncio.sleep(0.002)

        watching = asyncio.create_task(watch())
        await wait_until(lambda: passwords.running > 0, timeout=30, interval=0.001)
        refreshed = await identity.post(
            "/api/v1/auth/refresh", {"refresh_token": first.body["refresh_token"]}
        )
        healthy = await identity.get("/healthz")
        still_signing_in = sum(not task.done() for task in flood)
        statuses = await asyncio.gather(*flood)
        await watching
    assert (refreshed.status, healthy.status) == (200, 200)
    assert still_signing_in > 0, "the other requests were not served during the flood"
    assert statuses == [200] * len(flood)
    # Two at once with a single connection: neither held it while hashing; never more than two.
    assert max(seen) == 2
