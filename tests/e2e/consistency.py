"""The consistency check every fault test ends with, counted the way RabbitMQ's Jepsen tests
count: lost, duplicated, unexpected.

- Events and commands: each one the capture saw published must be in the inbox of every
  service that handles its type (`SPEC.events` / `SPEC.commands`): missing = lost; published
  more than once = duplicated (at-least-once publishing; the inbox makes handling once); a
  service's outbox that never empties = lost too. Any message in a dead-letter queue is
  unexpected.
- Mail: every delivery notify recorded (since the check's start) reached the SMTP catcher:
  not received, or given up (`failed`) = lost; one Message-ID received more than once =
  duplicated; a received mail notify has no delivery for = unexpected.
- Billing: each firm's committed storage equals the bytes of its objects in S3, with nothing
  left reserved; credits charged equal signings sent minus those refunded.
"""

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

import asyncpg

from services.billing.app import SPEC as BILLING
from services.documents.app import SPEC as DOCUMENTS
from services.identity.app import SPEC as IDENTITY
from services.notify.app import SPEC as NOTIFY
from services.signing.app import SPEC as SIGNING
from shared.service import ServiceSpec
from shared.settings import S3Settings
from tests.support.capture import Capture
from tests.support.infra import queue_messages, wait_until
from tests.support.processes import Platform

SPECS: tuple[ServiceSpec, ...] = (IDENTITY, BILLING, DOCUMENTS, SIGNING, NOTIFY)
SETTLE_SECONDS = 60.0


@dataclass
class Tally:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in vars(self).items()}


@dataclass
class Report:
    events: Tally = field(default_factory=Tally)
    mail: Tally = field(default_factory=Tally)
    billing: Tally = field(default_factory=Tally)
    published: int = 0
    mails: int = 0

    def counts(self) -> dict[str, Any]:
        return {
            "published": self.published, "mails": self.mails,
            **{part: getattr(self, part).counts() for part in ("events", "mail", "billing")},
        }  # fmt: skip

    def line(self, fault: str) -> str:
        return f"consistency {fault}: {json.dumps(self.counts())}"


def handlers_of(kind: str) -> dict[tuple[str, int], list[str]]:
    """(type, version) → the services that handle it."""
    found: dict[tuple[str, int], list[str]] = {}
    for spec in SPECS:
        for model in getattr(spec, kind):
            found.setdefault((model.type, model.version), []).append(spec.name)
    return found


@dataclass
class Start:
    """Where a check starts: the mails already received and the clock in notify's database."""

    mails: int
    at: datetime


async def start(platform: Platform) -> Start:
    async with _connected(platform.dsn("notify")) as conn:
        now = await conn.fetchval("SELECT now()")
    return Start(len(platform.mail.messages), now)


async def check(
    platform: Platform, captured: Capture, since: Start, firms: list[str], *,
    allowed_mail_duplicates: int = 0,
) -> Report:  # fmt: skip
    """Wait until the platform settles (or SETTLE_SECONDS pass), then count."""
    report = Report()
    with suppress(AssertionError):  # not settled in time: the counts say what is missing
        await wait_until(lambda: _settled(platform, captured, since), timeout=SETTLE_SECONDS,
                         interval=0.5)  # fmt: skip
    await captured.caught_up()
    await _events(platform, captured, report)
    await _mail(platform, since, report)
    for firm in firms:
        await _billing(platform, uuid.UUID(firm), report)
    assert len(report.mail.duplicated) <= allowed_mail_duplicates, report.mail.duplicated
    for part in (report.events, report.billing, report.mail):
        assert not part.lost, (report.counts(), part.lost)
        assert not part.unexpected, (report.counts(), part.unexpected)
    return report


async def _settled(platform: Platform, captured: Capture, since: Start) -> bool:
    for name in platform.settings:
        async with _connected(platform.dsn(name)) as conn:
            if await conn.fetchval("SELECT count(*) FROM outbox"):
                return False
    async with _connected(platform.dsn("notify")) as conn:
        queued = await conn.fetchval(
            "SELECT count(*) FROM deliveries WHERE state = 'queued' AND created_at >= $1",
            since.at,
        )
    return not queued and not await _missing(platform, captured)


def _unique(captured: Capture) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in captured.messages}


async def _missing(platform: Platform, captured: Capture) -> list[str]:
    """`service: type id` for each captured message a handling service has no inbox row of."""
    events, commands = handlers_of("events"), handlers_of("commands")
    messages = _unique(captured)
    missing = []
    for spec in SPECS:
        expected = {
            uuid.UUID(mid) for mid, m in messages.items()
            if spec.name in (events | commands).get((m["type"], m["version"]), [])
        }  # fmt: skip
        async with _connected(platform.dsn(spec.name)) as conn:
            rows = await conn.fetch(
                "SELECT message_id FROM inbox WHERE message_id = ANY($1::uuid[])", list(expected)
            )
        handled = {r["message_id"] for r in rows}
        missing += [f"{spec.name}: {messages[str(m)]['type']} {m}" for m in expected - handled]
    return missing


async def _events(platform: Platform, captured: Capture, report: Report) -> None:
    ids = Counter(m["id"] for m in captured.messages)
    report.published = len(ids)
    report.events.duplicated = [f"published {n} times: {mid}" for mid, n in ids.items() if n > 1]
    report.events.lost = await _missing(platform, captured)
    for name in platform.settings:
        async with _connected(platform.dsn(name)) as conn:
            left = await conn.fetch("SELECT routing_key FROM outbox")
        report.events.lost += [f"{name} outbox: {r['routing_key']}" for r in left]
    depths = await asyncio.to_thread(queue_messages, platform.vhost)
    report.events.unexpected = [
        f"{name}: {count}" for name, count in depths.items()
        if name.startswith(platform.env.namespace) and name.endswith(".dlq") and count
    ]  # fmt: skip


async def _mail(platform: Platform, since: Start, report: Report) -> None:
    async with _connected(platform.dsn("notify")) as conn:
        rows = await conn.fetch(
            "SELECT id, kind, state FROM deliveries WHERE created_at >= $1", since.at
        )
    received = Counter(_delivery_id(m) for m in platform.mail.messages[since.mails :])
    report.mails = len(rows)
    report.mail.lost = [
        f"{r['kind']} {r['id']} ({r['state']})" for r in rows
        if r["state"] != "sent" or not received.get(str(r["id"]))
    ]  # fmt: skip
    report.mail.duplicated = [f"{mid} received {n} times" for mid, n in received.items() if n > 1]
    # A delivery of an earlier test (made before this check started) may arrive during it.
    async with _connected(platform.dsn("notify")) as conn:
        known = await conn.fetch(
            "SELECT id FROM deliveries WHERE id = ANY($1::uuid[])",
            [uuid.UUID(m) for m in received if m],
        )
    report.mail.unexpected = sorted(set(received) - {str(r["id"]) for r in known})


def _delivery_id(message: Message) -> str:
    """The delivery id in a Message-ID `<id@notify.portal>`, or '' for a foreign mail."""
    value = str(message.get("Message-ID", ""))
    return value.strip("<>").split("@")[0] if value.endswith("@notify.portal>") else ""


async def _billing(platform: Platform, firm: uuid.UUID, report: Report) -> None:
    async with _connected(platform.dsn("billing")) as conn:
        account = await conn.fetchrow(
            "SELECT storage_used, storage_reserved, credits FROM accounts WHERE firm_id = $1", firm
        )
        charged = await conn.fetchval(
            "SELECT count(*) FROM credit_reservations WHERE firm_id = $1 AND state = 'committed'",
            firm,
        )
        bought = await conn.fetchval(
            "SELECT coalesce(sum(credits), 0) FROM credit_purchases WHERE firm_id = $1", firm
        )
    async with _connected(platform.dsn("signing")) as conn:
        sent = await conn.fetchval(
            "SELECT count(*) FROM signings WHERE firm_id = $1 AND sent_at IS NOT NULL", firm
        )
        refunded = await conn.fetchval(
            "SELECT count(*) FROM signings WHERE firm_id = $1 AND credit = 'released'", firm
        )
    stored = await asyncio.to_thread(_bytes_in_s3, platform, firm)
    tally = report.billing
    if account["storage_used"] != stored:
        tally.lost.append(f"{firm}: billing counts {account['storage_used']} B, S3 holds {stored}")
    if account["storage_reserved"]:
        tally.lost.append(f"{firm}: {account['storage_reserved']} B still reserved")
    if charged != sent - refunded:
        tally.unexpected.append(f"{firm}: {charged} credits charged, {sent} sent, {refunded} back")
    if account["credits"] != 2 + bought - charged:
        tally.lost.append(f"{firm}: balance {account['credits']} is not 2 + {bought} - {charged}")


def _bytes_in_s3(platform: Platform, firm: uuid.UUID) -> int:
    settings = platform.settings["documents"]
    assert isinstance(settings, S3Settings)
    client = platform.s3.client()
    objects = client.list_objects(settings.bucket, prefix=f"{firm}/", recursive=True)
    return sum(o.size or 0 for o in objects)


@asynccontextmanager
async def _connected(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()
