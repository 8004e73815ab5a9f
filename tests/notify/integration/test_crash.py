"""SIGKILL a notify process with a hundred mails queued: after a restart every mail has gone
out, and the copies sent twice are at most the mails that were in flight, one per SMTP
connection (SMTP has no idempotency: a reply that arrived but was not yet recorded is sent
again, with the same Message-ID)."""

import asyncio
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller

from deploy.local.ports import free_port
from deploy.local.processes import Replica
from services.notify.settings import NotifySettings
from shared.bus import Bus, BusNames
from shared.events.base import Envelope
from tests.notify.integration.conftest import FAST
from tests.notify.integration.test_delivery import magic_link
from tests.support.infra import wait_until
from tests.support.processes import environ_of
from tests.support.services import Environment
from tests.support.world import amqp_message

MAILS = 100
POOL = 4


class SlowServer:
    """A real SMTP server taking 20 ms per message, so mails are in flight when notify dies;
    keeps the Message-ID of each one accepted."""

    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(0.02)
        header = next(
            line for line in envelope.content.decode().splitlines()
            if line.lower().startswith("message-id:")
        )  # fmt: skip
        self.message_ids.append(header.split(":", 1)[1].strip())
        return "250 accepted"


@pytest.fixture
def slow_smtp() -> Iterator[tuple[SlowServer, int]]:
    handler, port = SlowServer(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


async def test_sigkill_with_a_hundred_mails_queued_resends_at_most_one_per_connection(
    env: Environment, slow_smtp: tuple[SlowServer, int], tmp_path: Any
) -> None:
    server, port = slow_smtp
    settings = await env.settings(
        NotifySettings, **FAST, smtp_port=port, smtp_pool_size=POOL, lease_seconds=3.0
    )
    environ = {**os.environ, "LOG_LEVEL": "WARNING", **environ_of(settings)}
    notify = Replica("notify", free_port(), environ, tmp_path / "notify.log")
    notify.start()
    bus = Bus(settings.amqp_url, BusNames(settings.bus_namespace), name="test")
    try:
        await notify.ready()
        await bus.start()
        for number in range(MAILS):
            command = magic_link(f"user{number}@example.test", secrets.token_urlsafe(12))
            envelope = Envelope.wrap(command, firm_id=None, actor=None)
            await bus.publish(bus.names.commands, "notify", amqp_message(envelope))
        await wait_until(lambda: len(server.message_ids) >= MAILS // 3, timeout=30, interval=0.01)
        notify.kill()
        notify.start()
        await notify.ready()
        await wait_until(lambda: len(set(server.message_ids)) == MAILS, timeout=60)
        await wait_until(lambda: _all_sent(settings.dsn), timeout=20)
    finally:
        notify.stop()
        await bus.stop()
    copies = sum(n - 1 for n in Counter(server.message_ids).values())
    print(f"notify SIGKILLed with {MAILS} mails queued: {copies} sent twice (pool {POOL})")
    assert copies <= POOL


async def _all_sent(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        states = await conn.fetch("SELECT state, count(*) FROM deliveries GROUP BY state")
    finally:
        await conn.close()
    return {r["state"]: r["count"] for r in states} == {"sent": MAILS}
