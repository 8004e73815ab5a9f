"""Faults in the middle of the journeys, each ending with the consistency check
(tests/e2e/consistency.py): nothing lost, nothing done twice, nothing unexpected.

The broker is the machine's shared RabbitMQ, so it is never restarted here: a broker outage is
every service's broker proxy cut (tests/support/proxy.py), which each service meets as a broker
that closed its connections and refuses new ones. The slow ones are marked `slow`: the quick
local loop may skip them (`-m "not slow"`), CI runs them all.
"""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.bus import BusNames
from tests.e2e import consistency
from tests.e2e import journeys as j
from tests.support.capture import Capture, capture
from tests.support.infra import ADMIN_DSN
from tests.support.processes import REPLICAS, Platform
from tests.support.proxy import TcpProxy
from tests.web.portal import Portal

pytestmark = pytest.mark.slow


@pytest.fixture
async def captured(platform: Platform) -> AsyncIterator[Capture]:
    """Every message published in the platform's namespace, read straight from the broker."""
    async with capture(platform.env.amqp_url, BusNames(platform.env.namespace)) as found:
        yield found


async def journeys_4_to_7(portal: Portal, bureau: j.Bureau, fault: j.Fault) -> None:
    for journey in (j.journey_4, j.journey_5, j.journey_6, j.journey_7):
        await journey(portal, bureau, fault)


# Where each service is killed: just as it has work in flight (events in its outbox, mails
# queued, a sealing, a storage commit and its threshold notice, an invitation).
KILL_AT = {
    "documents": "uploaded",
    "notify": "commented",
    "signing": "all signed",
    "identity": "admin joined",
    "billing": "near the limit",
}


async def test_each_service_sigkilled_in_turn_mid_journeys(
    platform: Platform, portal: Portal, captured: Capture
) -> None:
    bureau = await j.customer_ready(portal)
    since = await consistency.start(platform)
    killed: list[str] = []

    async def kill_and_restart(point: str) -> None:
        for service in (s for s, at in KILL_AT.items() if at == point):
            platform.kill(service)
            await platform.start(service)
            killed.append(service)

    await journeys_4_to_7(portal, bureau, kill_and_restart)
    assert sorted(killed) == sorted(KILL_AT)
    # Killing notify may re-send the mails in flight: at most one per SMTP connection.
    connections = platform.settings["notify"].smtp_pool_size * REPLICAS  # type: ignore[attr-defined]
    report = await consistency.check(
        platform, captured, since, [bureau.firm_id], allowed_mail_duplicates=connections
    )
    print(report.line("sigkill each service"))


async def test_broker_outage_during_signing(
    platform: Platform, portal: Portal, captured: Capture
) -> None:
    bureau = await j.customer_ready(portal)
    since = await consistency.start(platform)
    outages: list[asyncio.Task[None]] = []

    async def outage(point: str) -> None:
        if point == "first signed":
            platform.cut_broker()
            outages.append(asyncio.create_task(_restore_after(platform, 8.0)))

    await j.journey_5(portal, bureau, outage)
    await asyncio.gather(*outages)
    report = await consistency.check(platform, captured, since, [bureau.firm_id])
    print(report.line("broker outage during journey 5"))


async def _restore_after(platform: Platform, seconds: float) -> None:
    await asyncio.sleep(seconds)
    platform.restore_broker()


async def test_every_database_connection_dropped_during_an_upload_journey(
    platform: Platform, portal: Portal, captured: Capture
) -> None:
    bureau = await j.customer_ready(portal)
    since = await consistency.start(platform)
    dropped: list[int] = []

    async def drop_connections(point: str) -> None:
        if point == "uploaded":
            dropped.append(await _terminate_backends(platform))

    await j.journey_4(portal, bureau, drop_connections)
    assert dropped[0] >= len(platform.settings) * 2, dropped
    report = await consistency.check(platform, captured, since, [bureau.firm_id])
    print(report.line(f"{dropped[0]} PostgreSQL backends terminated during journey 4"))


async def _terminate_backends(platform: Platform) -> int:
    """Terminate every backend of the platform's own databases (no one else's)."""
    names = [platform.dsn(s).rsplit("/", 1)[1] for s in platform.settings]
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        return int(await conn.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
               WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()""",
            names,
        ))  # fmt: skip
    finally:
        await conn.close()


async def test_smtp_down_for_30_seconds_while_contacts_are_invited(
    platform: Platform, portal: Portal, captured: Capture
) -> None:
    bureau = await j.sign_up(portal)
    since = await consistency.start(platform)
    platform.mail.stop()
    try:
        await j.company_client(portal, bureau)
        await asyncio.sleep(30)
    finally:
        platform.mail.start()
    for who in ("primary", "employee"):
        await j.register(portal, bureau, who)
    report = await consistency.check(platform, captured, since, [bureau.firm_id])
    print(report.line("SMTP down 30 s during journey 2"))


async def test_one_services_broker_link_slow_then_cut_then_back(
    platform: Platform, portal: Portal, captured: Capture
) -> None:
    """documents' link to the broker (its outbox, its RPC to billing, its consumers) gets
    200 ms each way, then is cut for 5 s, then recovers, during journey 4."""
    link = platform.broker["documents"]
    bureau = await j.customer_ready(portal)
    since = await consistency.start(platform)
    link.latency = 0.2
    cut: list[asyncio.Task[None]] = []

    async def cut_link(point: str) -> None:
        if point == "uploaded":
            link.cut()
            cut.append(asyncio.create_task(_restore_link(link, 5.0)))

    try:
        await j.journey_4(portal, bureau, cut_link)
        await asyncio.gather(*cut)
    finally:
        link.latency = 0.0
        link.restore()
    report = await consistency.check(platform, captured, since, [bureau.firm_id])
    print(report.line("documents' broker link delayed, cut, recovered during journey 4"))


async def _restore_link(link: TcpProxy, seconds: float) -> None:
    await asyncio.sleep(seconds)
    link.restore()
