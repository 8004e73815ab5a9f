"""`python -m bench.identity`: sign-in throughput against raw argon2id, same run, same params.

1. Baseline: argon2id verifications of a password (what a sign-in costs at its core), with the
   service's production parameters, as many in flight as there are CPUs, off the event loop
   as the service does it.
2. Sign-in: as many clients as CPUs sign in over HTTP, each with its own account, to a real
   identity service (PostgreSQL, RabbitMQ): rate limit check, argon2id, session, refresh
   token, Ed25519 access token. `ratio` = sign-in rate / raw rate (1.0 = no overhead). Each
   client waits for its answer, so the cores idle while a sign-in is in the database.
   `ratio_busy`: four clients per CPU, as a busy service sees them; the service still hashes
   no more than CPUs at once (`hashing_concurrency`), like the baseline, and the other
   clients' database work overlaps the hashes.
3. Verification: the kit's TokenVerifier, as another service's middleware runs it, with the
   key fetched once from identity's JWKS and cached.
"""

import asyncio
import json
import os
import statistics
import time

import aio_pika
import aiohttp
from aiohttp import web

from bench.support import AMQP_URL, scratch_database, scratch_namespace
from services.identity.app import create_app
from services.identity.passwords import Passwords
from services.identity.settings import IdentitySettings
from shared.auth import JwksKeys, TokenVerifier
from shared.bus.topology import BusNames, declare_exchanges
from shared.events.base import Envelope

PASSWORD = "benchmark passphrase that is long"
SIGN_INS = 120
ROUND = 40  # per phase and round; three rounds of each phase, interleaved
# This process's CPU time (every thread: hashes, the service, its HTTP clients; not
# PostgreSQL's) per operation of each `_rate` call: unlike rates, not moved by other load.
CPU_MS: list[float] = []
VERIFICATIONS = 5000
WORKERS = os.cpu_count() or 2
BUSY = 4 * WORKERS  # clients at once in the busy phase


async def raw_verify(passwords: Passwords, stored: str) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            assert await asyncio.to_thread(passwords.hasher.verify, stored, PASSWORD)

    return await _rate(ROUND, lambda: [worker(ROUND // WORKERS) for _ in range(WORKERS)])


async def sign_ins(
    http: aiohttp.ClientSession, emails: list[str], clients: int
) -> tuple[float, str]:
    """`clients` sign in at once, each with its own account, ROUND in all."""
    tokens: list[str] = []

    async def worker(email: str, count: int) -> None:
        for _ in range(count):
            body = {"email": email, "password": PASSWORD}
            async with http.post("/api/v1/auth/sign-in", json=body) as response:
                assert response.status == 200, await response.text()
                tokens.append((await response.json())["access_token"])

    chosen = emails[:clients]
    rate = await _rate(ROUND, lambda: [worker(e, ROUND // clients) for e in chosen])
    return rate, tokens[-1]


async def verifications(url: str, token: str, settings: IdentitySettings) -> float:
    keys = JwksKeys(f"{url}/api/v1/auth/jwks.json")
    verifier = TokenVerifier(keys, issuer=settings.token_issuer, audience=settings.token_audience)
    await verifier.verify(token)
    started = time.perf_counter()
    for _ in range(VERIFICATIONS):
        await verifier.verify(token)
    elapsed = time.perf_counter() - started
    await keys.close()
    return VERIFICATIONS / elapsed


def _overall(rates: list[float]) -> float:
    """The rate over all rounds (each ROUND long): total count over total time."""
    return len(rates) / sum(1 / rate for rate in rates)


async def _rate(count: int, workers) -> float:  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*workers())
    CPU_MS.append(1000 * (time.process_time() - cpu) / count)
    return count / (time.perf_counter() - started)


class Links:
    """The sign-up links identity hands notify, read off the bus as notify would."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def start(self, settings: IdentitySettings) -> None:
        self._connection = await aio_pika.connect(settings.amqp_url)
        channel = await self._connection.channel()
        names = BusNames(settings.bus_namespace)
        await declare_exchanges(channel, names)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(names.commands, routing_key="notify")
        await queue.consume(self._record, no_ack=True)

    async def _record(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        envelope = Envelope.model_validate_json(message.body)
        if envelope.type == "notify.send_sign_up_link":
            self.found[envelope.data["email"]] = envelope.data["link"].split("#token=", 1)[1]

    async def token(self, email: str) -> str:
        for _ in range(200):
            if email in self.found:
                return self.found[email]
            await asyncio.sleep(0.05)
        raise RuntimeError(f"no sign-up link for {email}")

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()


async def _sign_up(http: aiohttp.ClientSession, links: Links, n: int) -> str:
    email = f"bench-{n}-{os.getpid()}@example.com"
    body = {
        "name": f"Bench {n} AB", "country": "SE", "plan": "bureau", "owner_name": "Bench",
        "owner_email": email,
    }  # fmt: skip
    async with http.post("/api/v1/firms", json=body) as response:
        assert response.status == 202, await response.text()
    confirm = {"token": await links.token(email), "password": PASSWORD}
    async with http.post("/api/v1/firms/confirm", json=confirm) as response:
        assert response.status == 201, await response.text()
    return email


async def main() -> dict[str, object]:
    async with scratch_namespace("identity") as ns, scratch_database("identity") as dsn:
        settings = IdentitySettings(database_url=dsn, amqp_url=AMQP_URL, bus_namespace=ns)
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        links = Links()
        await links.start(settings)
        try:
            passwords = Passwords.of(settings)  # the service's parameters, so the same work
            stored = passwords.hasher.hash(PASSWORD)
            rates: dict[str, list[float]] = {"raw": [], "signin": [], "busy": []}
            async with aiohttp.ClientSession(base_url=url) as http:
                emails = [await _sign_up(http, links, n) for n in range(BUSY)]
                # Interleaved rounds, so that the machine's other load weighs on all three.
                cpu: dict[str, list[float]] = {"raw": [], "signin": [], "busy": []}
                for _ in range(SIGN_INS // ROUND):
                    rates["raw"].append(await raw_verify(passwords, stored))
                    rate, token = await sign_ins(http, emails, WORKERS)
                    rates["signin"].append(rate)
                    rates["busy"].append((await sign_ins(http, emails, BUSY))[0])
                    for kind, spent in zip(cpu, CPU_MS[-3:], strict=True):
                        cpu[kind].append(spent)
            verify = await verifications(url, token, settings)
            raw, signin, busy = (_overall(rates[k]) for k in ("raw", "signin", "busy"))
        finally:
            await links.stop()
            await runner.cleanup()
    return {
        "bench": "identity",
        "argon2": {
            "time_cost": settings.argon2_time_cost,
            "memory_kib": settings.argon2_memory_kib,
            "parallelism": settings.argon2_parallelism,
        },
        "workers": WORKERS,
        "hashing_concurrency": settings.hashing_concurrency,
        "signin_per_s": round(signin, 1),
        "raw_hash_per_s": round(raw, 1),
        "ratio": round(signin / raw, 3),
        "signin_busy_per_s": round(busy, 1),
        "ratio_busy": round(busy / raw, 3),
        "verify_per_s": round(verify, 1),
        "cpu_ms_per_hash": round(statistics.median(cpu["raw"]), 1),
        "cpu_ms_per_signin": round(statistics.median(cpu["busy"]), 1),
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(json.dumps(result))
