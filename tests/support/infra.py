"""The real servers a test run uses: PostgreSQL, RabbitMQ (one vhost per run), S3, SMTP."""

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import quote

import aio_pika
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
    """One vhost for the whole run (removed at its end); tests also use unique namespaces.

    rabbitmqctl has been seen to hang now and then while the broker tears down another
    vhost's quorum queues, so vhost calls are bounded and retried, and the run falls back to
    the default vhost (the namespaces alone still keep tests apart) rather than hang.
    """

    vhost: str

    @property
    def url(self) -> str:
        base = AMQP_ROOT.rstrip("/")
        return f"{base}/{quote(self.vhost, safe='')}"

    @classmethod
    def create(cls) -> "Rabbit":
        if not shutil.which("rabbitmqctl"):
            return cls("/")
        _drop_abandoned_vhosts()
        vhost = f"{VHOST_PREFIX}{RUN}"
        if _ctl("add_vhost", vhost) and _ctl("set_permissions", "-p", vhost, "guest", *[".*"] * 3):
            return cls(vhost)
        return cls("/")

    def close_connections(self) -> None:
        """Drop every client connection of this run from the broker's side."""
        assert _ctl("close_all_connections", "--vhost", self.vhost, "test: broker-side disconnect")

    def delete(self) -> None:
        if self.vhost != "/":
            _ctl("delete_vhost", self.vhost, timeout=120)

    async def drop_queues(self, namespace: str) -> None:
        """Delete a test's queues when it ends. Each quorum queue is a Raft group the broker
        keeps running: left until the run's end, a full run's thousands of them slow the
        broker until channel shutdowns and rabbitmqctl calls hang."""
        names = await asyncio.to_thread(_queue_names, self.vhost)
        mine = [name for name in names if name.startswith(namespace)]
        if not mine:
            return
        connection = await aio_pika.connect(self.url, timeout=10)
        async with connection:
            channel = await connection.channel()
            for name in mine:
                await channel.queue_delete(name, timeout=10)


def _queue_names(vhost: str) -> list[str]:
    return list(queue_messages(vhost))


def queue_messages(vhost: str) -> dict[str, int]:
    """Each queue of the vhost with the messages it holds (ready and unacknowledged); empty
    when rabbitmqctl does not answer."""
    try:
        listed = subprocess.run(
            ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages"],
            capture_output=True, text=True, timeout=20, check=True,
        )  # fmt: skip
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError, FileNotFoundError):
        return {}
    rows = (line.split() for line in listed.stdout.splitlines())
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[1].isdigit()}


VHOST_PREFIX = "test-"


def _drop_abandoned_vhosts() -> None:
    """Vhosts of runs whose process is gone (killed before cleaning up) hold quorum queues,
    each a Raft group the broker keeps running: remove them."""
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_vhosts", "name"], capture_output=True, text=True, timeout=30
    )
    for vhost in listed.stdout.split():
        pid = vhost.removeprefix(f"{VHOST_PREFIX}r")[:-4]
        if vhost.startswith(VHOST_PREFIX) and pid.isdigit() and not _alive(int(pid)):
            _ctl("delete_vhost", vhost, timeout=120)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ctl(*args: str, timeout: float = 20) -> bool:
    for _ in range(3):
        try:
            subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                           timeout=timeout)  # fmt: skip
            return True
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError):
            continue
    return False


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
