"""What every benchmark needs: a fresh database and bus namespace on the local servers."""

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import asyncpg

from deploy.local.ports import free_port
from deploy.local.processes import stop, wait_ready
from shared.bus import BusNames
from tests.support.revocations import answering_catch_up

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[str]:
    """A database that exists for the benchmark only."""
    name = f"bench_{prefix}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def scratch_namespace(prefix: str) -> AsyncIterator[str]:
    """A bus namespace for the benchmark only: its queues and exchanges go at the end, so no
    quorum queue (each a Raft group on the broker) outlives the run. Identity's answer to the
    services' revocation catch-up is stood in for (tests/support/revocations.py), as a bench
    runs services without identity: nothing was revoked in a namespace this new."""
    namespace = f"bench-{prefix}-{secrets.token_hex(4)}."
    try:
        async with answering_catch_up(AMQP_URL, BusNames(namespace)):
            yield namespace
    finally:
        await _drop_namespace(namespace)


async def _drop_namespace(namespace: str) -> None:
    queues, exchanges = (_broker_names(kind, namespace) for kind in ("queues", "exchanges"))
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)


def _broker_names(kind: str, namespace: str) -> list[str]:
    listed = subprocess.run(
        ["rabbitmqctl", "-q", f"list_{kind}", "name"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return [name for name in listed.stdout.split() if name.startswith(namespace)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass(frozen=True)
class ServiceProcess:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return next(int(line.split()[1]) / 1024 for line in status.splitlines() if "VmRSS" in line)


@asynccontextmanager
async def service_processes(
    service: str, env: Mapping[str, str], replicas: int = 1
) -> AsyncIterator[list[ServiceProcess]]:
    """Replicas of `python -m services.<service>` as deployed, each a process of its own, each
    ready (migrated, consuming) before this yields; `env` holds their settings."""
    started: list[ServiceProcess] = []
    try:
        for _ in range(replicas):
            started.append(_start(service, env, free_port()))
            await wait_ready(service, f"{started[-1].url}/readyz", started[-1].process)
        yield started
    finally:
        stop([one.process for one in started])


def _start(service: str, env: Mapping[str, str], port: int) -> ServiceProcess:
    settings = {
        **os.environ,
        "LOG_LEVEL": "WARNING",
        **env,
        f"{service.upper()}_HTTP_PORT": str(port),
    }
    process = subprocess.Popen([sys.executable, "-m", f"services.{service}"], env=settings)
    return ServiceProcess(process, port)
