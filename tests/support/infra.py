"""The real servers a test run uses: PostgreSQL, RabbitMQ (one vhost per run), S3, SMTP."""

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import quote

import asyncpg

from tests.support.names import RUN, unique

ADMIN_DSN = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_ROOT = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def dsn_for(database: str) -> str:
    base, _, _ = ADMIN_DSN.rpartition("/")
    return f"{base}/{database}"


class Postgres:
    """Creates uniquely named databases and drops them at the end of the run."""

    def __init__(self) -> None:
        self.created: list[str] = []

    async def create_database(self, prefix: str = "db") -> str:
        name = unique(prefix)
        conn = await asyncpg.connect(ADMIN_DSN)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return dsn_for(name)

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(ADMIN_DSN)
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass
class Rabbit:
    """One vhost for the whole run (removed at its end); tests also use unique namespaces."""

    vhost: str

    @property
    def url(self) -> str:
        base = AMQP_ROOT.rstrip("/")
        return f"{base}/{quote(self.vhost, safe='')}"

    @classmethod
    def create(cls) -> "Rabbit":
        if not shutil.which("rabbitmqctl"):
            return cls("/")
        vhost = f"test-{RUN}"
        _ctl("add_vhost", vhost)
        _ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        return cls(vhost)

    def close_connections(self) -> None:
        """Drop every client connection of this run from the broker's side."""
        _ctl("close_all_connections", "--vhost", self.vhost, "test: broker-side disconnect")

    def delete(self) -> None:
        if self.vhost != "/":
            _ctl("delete_vhost", self.vhost)


def _ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


async def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    """Poll a (sync or async) predicate until it holds; fail the test if it never does."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)
