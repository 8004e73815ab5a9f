"""The audit log's export against PostgreSQL's own fastest way out of the same rows.

`python -m bench.audit [--rows N] [--rounds R]` starts what it needs: a scratch notify
database with N entries of one firm (a valid chain, written straight into the table), a unique
bus namespace, a JWKS server and the notify service in this process; it removes them at the
end. Each round measures, on the same rows:

1. `GET /api/v1/audit/export?format=jsonl` and `format=csv` as an owner, the body read in
   chunks by an HTTP client in this process, its lines counted;
2. baseline: `COPY (SELECT <the same columns> … ORDER BY seq) TO STDOUT` through asyncpg, the
   bytes thrown away — PostgreSQL's own text output, no Python per row;
3. a plain SELECT through a server-side cursor in the export's batch size, rows built as
   asyncpg records and dropped — what the export pays before it formats anything.

Reports rows/s (median and spread of the rounds) for each, the ratio of the export to COPY,
and the process's RSS growth during the exports (flat memory: it does not grow with N).
The last line printed is the JSON result.
"""

import argparse
import asyncio
import json
import resource
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp
from aiohttp import web

from bench.support import AMQP_URL, scratch_database, scratch_namespace
from deploy.local.ports import free_port
from services.notify.api.audit import EXPORT_BATCH
from services.notify.app import create_app
from services.notify.settings import NotifySettings
from services.notify.store.audit import COLUMNS
from shared.service import DB
from tests.support.audit_log import insert_chain
from tests.support.tokens import JwksServer, mint


@asynccontextmanager
async def notify_service(settings: NotifySettings) -> AsyncIterator[tuple[web.Application, str]]:
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def timed(work: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    started = time.perf_counter()
    rows = await work()
    return time.perf_counter() - started, rows


class Sampler:
    """The process's peak RSS while a measurement runs (sampled every 20 ms)."""

    def __init__(self) -> None:
        self.peak = rss_mb()
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb())
            await asyncio.sleep(0.02)

    def __enter__(self) -> "Sampler":
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def export_rows(url: str, token: str, fmt: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    lines = 0
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/v1/audit/export", params={"format": fmt}, headers=headers) as got,
    ):
        assert got.status == 200, await got.text()
        async for chunk in got.content.iter_chunked(1 << 16):
            lines += chunk.count(b"\n")
    return lines - (1 if fmt == "csv" else 0)  # the CSV header


async def copy_rows(app: web.Application, firm_id: uuid.UUID) -> int:
    received = 0

    async def sink(chunk: bytes) -> None:
        nonlocal received
        received += chunk.count(b"\n")

    async with app[DB].transaction(readonly=True) as conn:
        await conn.copy_from_query(
            f"SELECT {COLUMNS} FROM audit_entries WHERE firm_id = $1 ORDER BY seq",
            firm_id, output=sink,
        )  # fmt: skip
    return received


async def select_rows(app: web.Application, firm_id: uuid.UUID) -> int:
    count = 0
    async with app[DB].transaction(readonly=True) as conn:
        query = f"SELECT {COLUMNS} FROM audit_entries WHERE firm_id = $1 ORDER BY seq"
        async for _row in conn.cursor(query, firm_id, prefetch=EXPORT_BATCH):
            count += 1
    return count


def summary(rates: list[float]) -> dict[str, float]:
    return {
        "median": round(median(rates)),
        "min": round(min(rates)),
        "max": round(max(rates)),
    }


async def measure(rows: int, rounds: int) -> dict[str, Any]:
    jwks = JwksServer()
    await jwks.start()
    firm_id = uuid.uuid4()
    token = mint(jwks.keys[0], firm_id=firm_id)
    try:
        async with scratch_database("audit") as dsn, scratch_namespace("audit") as ns:
            settings = NotifySettings(
                database_url=dsn, amqp_url=AMQP_URL, bus_namespace=ns, jwks_url=jwks.url,
                smtp_port=free_port(), digest_check_seconds=3600.0,
            )  # fmt: skip
            async with notify_service(settings) as (app, url):
                async with app[DB].transaction() as conn:
                    await insert_chain(conn, firm_id, rows)
                return await _rounds(app, url, token, firm_id, rows, rounds)
    finally:
        await jwks.stop()


async def _rounds(
    app: web.Application, url: str, token: str, firm_id: uuid.UUID, rows: int, rounds: int
) -> dict[str, Any]:
    ways: dict[str, Callable[[], Awaitable[int]]] = {
        "export_jsonl": lambda: export_rows(url, token, "jsonl"),
        "export_csv": lambda: export_rows(url, token, "csv"),
        "copy_to_stdout": lambda: copy_rows(app, firm_id),
        "cursor_select": lambda: select_rows(app, firm_id),
    }
    rates: dict[str, list[float]] = {name: [] for name in ways}
    before = rss_mb()
    with Sampler() as sampler:
        for _ in range(rounds):
            for name, work in ways.items():
                seconds, counted = await timed(work)
                assert counted == rows, f"{name} gave {counted} rows, not {rows}"
                rates[name].append(rows / seconds)
    result: dict[str, Any] = {"rows": rows, "rounds": rounds}
    result |= {f"{name}_rows_per_s": summary(found) for name, found in rates.items()}
    copy = median(rates["copy_to_stdout"])
    result["ratio_jsonl_to_copy"] = round(median(rates["export_jsonl"]) / copy, 3)
    result["ratio_csv_to_copy"] = round(median(rates["export_csv"]) / copy, 3)
    result["rss_growth_mb"] = round(sampler.peak - before, 1)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    outcome = asyncio.run(measure(args.rows, args.rounds))
    print(json.dumps(outcome))
