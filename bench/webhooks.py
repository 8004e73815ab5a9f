"""Webhook deliveries per second through notify, against the same POSTs made directly.

`python -m bench.webhooks [--events N] [--endpoints E]` starts what it needs: a scratch notify
database, a unique bus namespace on the local broker, a receiver in a process of its own (an
aiohttp server answering 204 and counting) and the notify service in this process; it removes
them at the end.

1. Pipeline: E endpoints of one firm ask for `billing.balance.topped_up`; N such events are
   published on the bus, and notify consumes them, queues N*E deliveries, signs and POSTs them
   over its connection pool (guarded resolver included). Timed from the first publish to the
   receiver's count reaching N*E.
2. Sender: N*E deliveries queued in one transaction (as the consumer writes them), timed from
   its commit to the receiver's count: claiming, signing, POSTing and recording alone.
3. Baseline: the same bodies with the same headers, POSTed with aiohttp over as many
   connections as notify's pool keeps per host, to the same receiver, in the same run.
ratio = sender deliveries/s ÷ baseline POSTs/s (pipeline_ratio: the pipeline's). The last
line printed is the JSON result.
"""

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from bench.notify import Publisher, notify_service
from bench.support import AMQP_URL, scratch_database, scratch_namespace
from deploy.local.ports import free_port
from services.notify.settings import NotifySettings
from services.notify.store import webhooks as store
from services.notify.webhooks import rules
from services.notify.webhooks.secrets import new_secret
from shared.bus import Bus, BusNames
from shared.events import billing
from shared.http.routing import DEPS
from shared.service import DB

TYPE = "billing.balance.topped_up"
PER_HOST = 10


def serve(port: int) -> None:
    """The receiver: 204 to every POST; GET /count says how many it took."""
    taken = 0

    async def take(request: web.Request) -> web.Response:
        nonlocal taken
        await request.read()
        taken += 1
        return web.Response(status=204)

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"taken": taken})

    app = web.Application()
    app.router.add_post("/hook/{n}", take)
    app.router.add_get("/count", count)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def received(http: aiohttp.ClientSession, base: str) -> int:
    async with http.get(f"{base}/count") as response:
        return int((await response.json())["taken"])


async def wait_count(http: aiohttp.ClientSession, base: str, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (got := await received(http, base)) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{got} of {target} webhooks arrived")
        await asyncio.sleep(0.05)


async def pipeline_phase(app: web.Application, base: str, events: int, endpoints: int) -> float:
    firm_id, now = uuid.uuid4(), datetime.now(UTC)
    box = app[DEPS].webhooks.box  # type: ignore[attr-defined]
    async with app[DB].transaction() as conn:
        for n in range(endpoints):
            endpoint_id = uuid.uuid4()
            await store.insert_endpoint(
                conn, firm_id, endpoint_id, f"{base}/hook/{n}", "bench", [TYPE],
                box.seal(endpoint_id, new_secret()), now,
            )  # fmt: skip
    bus = Bus(AMQP_URL, BusNames(app[DEPS].settings.bus_namespace), name="bench")  # type: ignore[attr-defined]
    await bus.start()
    try:
        async with aiohttp.ClientSession() as http:
            start = await received(http, base)
            pub = Publisher(bus, firm_id)
            started = time.perf_counter()
            # Published 200 at a time: one confirmed publish after another would time the
            # publisher, not notify.
            for first in range(0, events, 200):
                await asyncio.gather(*(
                    pub.event(billing.BalanceToppedUp(purchase_id=uuid.uuid4(), credits=10,
                                                      balance=10))
                    for _ in range(min(200, events - first))
                ))  # fmt: skip
            await wait_count(http, base, start + events * endpoints, 600)
            return events * endpoints / (time.perf_counter() - started)
    finally:
        await bus.stop()


async def sender_phase(app: web.Application, base: str, count: int) -> float:
    """The sender alone: `count` deliveries queued at once (as the consumer queues them, one
    row each), timed from their commit to the receiver's count."""
    async with app[DB].transaction() as conn:
        endpoint_id, firm_id, payload = await conn.fetchrow(
            """SELECT d.endpoint_id, d.firm_id, d.payload FROM webhook_deliveries d LIMIT 1"""
        )
    async with aiohttp.ClientSession() as http:
        start = await received(http, base)
        started = time.perf_counter()
        async with app[DB].transaction() as conn:
            await conn.execute(
                """INSERT INTO webhook_deliveries (id, firm_id, endpoint_id, event_id, event_type,
                                                   payload, state, next_attempt_at, created_at)
                   SELECT gen_random_uuid(), $1, $2, gen_random_uuid(), $3, $4, 'pending',
                          now(), now()
                   FROM generate_series(1, $5)""",
                firm_id, endpoint_id, TYPE, payload, count,
            )  # fmt: skip
            await conn.execute("SELECT pg_notify($1, '')", store.WAKE_CHANNEL)
        await wait_count(http, base, start + count, 600)
        return count / (time.perf_counter() - started)


async def baseline_phase(app: web.Application, base: str) -> float:
    """The deliveries notify made, POSTed again directly: same bodies, same kind of headers."""
    async with app[DB].transaction() as conn:
        rows = await conn.fetch(
            """SELECT d.event_id, d.payload, e.url FROM webhook_deliveries d
               JOIN webhook_endpoints e ON e.id = d.endpoint_id"""
        )
    key = rules.secret_key(new_secret())
    queue: asyncio.Queue[tuple[str, bytes, dict[str, str]]] = asyncio.Queue()
    for row in rows:
        body, stamp = row["payload"].encode(), int(time.time())
        queue.put_nowait((row["url"], body, {
            "Content-Type": "application/json", "webhook-id": str(row["event_id"]),
            "webhook-timestamp": str(stamp),
            "webhook-signature": rules.signature_header([key], str(row["event_id"]), stamp, body),
        }))  # fmt: skip
    connector = aiohttp.TCPConnector(limit_per_host=PER_HOST)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = await received(http, base)

        async def sender() -> None:
            while not queue.empty():
                url, body, headers = queue.get_nowait()
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(PER_HOST)))
        await wait_count(http, base, start + len(rows), 60)
        return len(rows) / (time.perf_counter() - started)


async def main(events: int, endpoints: int) -> dict[str, object]:
    port = free_port()
    receiver = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.webhooks", "--serve", str(port)
    )
    base = f"http://localhost:{port}"
    try:
        await _ready(base)
        async with scratch_namespace("webhooks") as ns, scratch_database("webhooks") as dsn:
            settings = NotifySettings(
                database_url=dsn, amqp_url=AMQP_URL, bus_namespace=ns,
                webhook_allowed_test_hosts=["localhost"], webhook_connections_per_host=PER_HOST,
                digest_check_seconds=3600, database_pool_max=10,
            )  # fmt: skip
            async with notify_service(settings) as app:
                pipeline = await pipeline_phase(app, base, events, endpoints)
                sender = await sender_phase(app, base, events * endpoints)
                baseline = await baseline_phase(app, base)
    finally:
        receiver.terminate()
        await receiver.wait()
    print(f"pipeline {pipeline:.0f}/s, sender {sender:.0f}/s, direct aiohttp {baseline:.0f}/s")
    return {
        "bench": "webhooks",
        "events": events,
        "endpoints": endpoints,
        "pipeline_per_s": round(pipeline),
        "sender_per_s": round(sender),
        "direct_per_s": round(baseline),
        "ratio": round(sender / baseline, 3),
        "pipeline_ratio": round(pipeline / baseline, 3),
    }


async def _ready(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            try:
                await received(http, base)
                return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise TimeoutError("the receiver did not start")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=1)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        print(json.dumps(asyncio.run(main(args.events, args.endpoints))))
