"""Storage reservations per second: through RPC with 1 and 2 billing replicas, and the same
reservations as direct SQL calls of the same reservation code in the same run (the ratio is
what the bus costs, less what batching a firm's reservations under one lock wins).

`python -m bench.billing [--count N] [--in-flight N]` starts what it needs: a fresh database on
127.0.0.1:5432 (user postgres), a unique bus namespace on the local broker, and billing replicas
as processes of their own (`python -m services.billing`), as deployed; the calling side stays
in this process. It removes them at the end. Each phase races reservations for more bytes than
the firm's limit holds, then checks that the grants fit and match the account row. The last
line printed is the JSON result.
"""

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from bench.support import AMQP_URL, scratch_database, scratch_namespace, service_processes
from services.billing.app import BillingDeps
from services.billing.consumers import reserve_storage
from services.billing.models import NewAccount
from services.billing.settings import BillingSettings
from services.billing.store import accounts
from shared.bus import Bus, BusNames, RpcClient
from shared.database import Database
from shared.events.base import Envelope
from shared.events.billing import ReserveStorage

RESERVATION = 1_000
OVERBOOKING = 1.1  # ask for 10 % more bytes than the limit, so the race for the last bytes is real


async def main(count: int, in_flight: int) -> dict[str, object]:
    async with scratch_database("billing") as dsn, scratch_namespace("billing") as namespace:
        settings = BillingSettings(database_url=dsn, amqp_url=AMQP_URL, bus_namespace=namespace)
        async with service_processes("billing", env(settings)):
            db = await Database.connect(dsn)
        try:
            results = {"sql": await sql_phase(db, settings, count, in_flight)}
            for n in (1, 2):
                results[f"rpc{n}"] = await rpc_phase(db, settings, n, count, in_flight)
        finally:
            await db.close()
    oversold = sum(r["oversold"] for r in results.values())
    rpc_1, rpc_2, sql = (results[k]["per_s"] for k in ("rpc1", "rpc2", "sql"))
    return {
        "bench": "billing",
        "rpc_per_s_1": rpc_1,
        "rpc_per_s_2": rpc_2,
        "sql_per_s": sql,
        "ratio": round(max(rpc_1, rpc_2) / sql, 3),
        "oversold": oversold,
    }


async def open_firm(db: Database, limit: int) -> uuid.UUID:
    firm_id = uuid.uuid4()
    async with db.transaction() as conn:
        account = NewAccount(
            firm_id=firm_id, name="Bench AB", country="SE", plan="partner",
            storage_limit=limit, credits=0, opened_at=datetime.now(UTC),
        )  # fmt: skip
        await accounts.insert_account(conn, account)
    return firm_id


async def race(
    count: int, in_flight: int, reserve: Callable[[str], Awaitable[bool]]
) -> tuple[float, int]:
    """Run `count` reservations, `in_flight` at a time; returns (seconds, granted)."""
    gate = asyncio.Semaphore(in_flight)

    async def one(n: int) -> bool:
        async with gate:
            return await reserve(f"{n}-{uuid.uuid4()}")

    started = time.perf_counter()
    granted = await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - started, sum(granted)


async def outcome(
    db: Database, firm_id: uuid.UUID, seconds: float, count: int, granted: int
) -> dict:
    async with db.transaction() as conn:
        row = await accounts.get_storage(conn, firm_id)
    assert row is not None
    held = row.storage_used + row.storage_reserved
    granted_bytes = granted * RESERVATION
    oversold = max(0, granted_bytes - row.storage_limit) + abs(held - granted_bytes)
    return {"per_s": round(count / seconds, 1), "granted": granted, "oversold": oversold}


def limit_for(count: int) -> int:
    return int(count * RESERVATION / OVERBOOKING)


async def sql_phase(db: Database, settings: BillingSettings, count: int, in_flight: int) -> dict:
    """The service's own reservation code called directly, one transaction per reservation:
    its SQL (lock the account, record the hold) without the bus and without batching."""
    firm_id = await open_firm(db, limit_for(count))
    deps = BillingDeps(settings=settings, db=db)

    async def reserve(key: str) -> bool:
        request = ReserveStorage(idempotency_key=key, bytes=RESERVATION)
        envelope = Envelope.wrap(request, firm_id=firm_id, actor=None)
        async with db.transaction() as conn:
            (decision,) = await reserve_storage(conn, [(request, envelope)], deps=deps)
        return decision.granted

    seconds, granted = await race(count, in_flight, reserve)
    return await outcome(db, firm_id, seconds, count, granted)


async def rpc_phase(
    db: Database, settings: BillingSettings, replicas: int, count: int, in_flight: int
) -> dict:
    async with service_processes("billing", env(settings), replicas), rpc_client(settings) as rpc:
        firm_id = await open_firm(db, limit_for(count))

        async def reserve(key: str) -> bool:
            request = ReserveStorage(idempotency_key=key, bytes=RESERVATION)
            reply = await rpc.call(request, firm_id=firm_id, actor=None, timeout=60)
            return reply.granted

        warmed = await warm_up(rpc, firm_id)
        seconds, granted = await race(count, in_flight, reserve)
        return await outcome(db, firm_id, seconds, count, granted + warmed)


async def warm_up(rpc: RpcClient, firm_id: uuid.UUID) -> int:
    """One answered call proves the replicas consume before the clock starts; 1 if granted."""
    request = ReserveStorage(idempotency_key=f"warm-{uuid.uuid4()}", bytes=RESERVATION)
    reply = await rpc.call(request, firm_id=firm_id, actor=None, timeout=60)
    return int(reply.granted)


def env(settings: BillingSettings) -> dict[str, str]:
    return {"DATABASE_URL": settings.database_url, "BUS_NAMESPACE": settings.bus_namespace}


@asynccontextmanager
async def rpc_client(settings: BillingSettings) -> AsyncIterator[RpcClient]:
    bus = Bus(settings.amqp_url, BusNames(settings.bus_namespace), name="bench")
    rpc = RpcClient(bus)
    await bus.start()
    try:
        yield rpc
    finally:
        await bus.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.billing")
    parser.add_argument("--count", type=int, default=5000, help="reservations per phase")
    parser.add_argument("--in-flight", type=int, default=200, help="concurrent calls")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.count, args.in_flight))))
