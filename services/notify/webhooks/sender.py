"""The webhook worker: claims due deliveries, POSTs them signed, records what came of each.

It wakes on PostgreSQL NOTIFY when deliveries are queued and polls as well (retries fall due
by the clock). Any number of loops and replicas may run: claims skip each other's locked
rows, and a crashed worker's claims come back when their lease ends (the receiver may then
see a delivery twice, with the same `webhook-id`, as Standard Webhooks allows for).

One aiohttp session per replica keeps a pool of connections to receivers; its resolver checks
every address it hands the connector (addresses.py), redirects are never followed (a 3xx is a
failure), and each POST has `webhook_timeout_seconds` in all, from when one of the host's
connections is free.
"""

import asyncio
import logging
import random
import time
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from uuid import uuid4

import aiohttp
from cryptography.exceptions import InvalidTag

from services.notify.domain import Reach
from services.notify.fanout import Notice, fan_out
from services.notify.settings import NotifySettings
from services.notify.store import webhooks as store
from services.notify.webhooks import rules
from services.notify.webhooks.addresses import AddressGuard, GuardedResolver, RefusedAddress
from services.notify.webhooks.models import Attempt, ClaimedDelivery, EndpointRow
from services.notify.webhooks.secrets import SecretBox
from shared.database import Connection, Database
from shared.events.base import Envelope
from shared.metrics import Metrics
from shared.wakeup import NotifiedWorker

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps

log = logging.getLogger(__name__)
USER_AGENT = "client-portal-webhooks/1"


class Counters:
    def __init__(self, metrics: Metrics) -> None:
        self.delivered = metrics.counter(
            "portal_webhooks_delivered", "Webhook deliveries a receiver took (2xx).", ("type",)
        )
        self.failed = metrics.counter(
            "portal_webhooks_failed",
            "Webhook attempts that failed (`final`: no retry follows).",
            ("type", "final"),
        )


class WebhookSender:
    def __init__(self, db: Database, settings: NotifySettings, metrics: Metrics, loops: int = 2):
        self.db = db
        self.settings = settings
        self.box = SecretBox(settings.webhook_secret_key)
        self.guard = AddressGuard(settings.webhook_allowed_test_hosts, settings.webhook_dns_servers)
        self.counters = Counters(metrics)
        self._deps: NotifyDeps | None = None
        self._session: aiohttp.ClientSession | None = None
        self._slots: weakref.WeakValueDictionary[str, asyncio.Semaphore] = (
            weakref.WeakValueDictionary()
        )
        self._worker = NotifiedWorker(
            name="notify-webhooks", dsn=settings.dsn, channel=store.WAKE_CHANNEL,
            step=self._step, poll_seconds=settings.webhook_poll_seconds, loops=loops,
        )  # fmt: skip

    async def start(self, deps: "NotifyDeps") -> None:
        s = self.settings
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.guard), use_dns_cache=False,
            limit=s.webhook_connections, limit_per_host=s.webhook_connections_per_host,
        )  # fmt: skip
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=None),
            headers={"User-Agent": USER_AGENT}, trust_env=False, auto_decompress=False,
        )  # fmt: skip
        self._deps = deps
        await self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()
        if self._session is not None:
            await self._session.close()

    async def _step(self) -> bool:
        return await self.deliver_batch() >= self.settings.webhook_batch

    async def deliver_batch(self) -> int:
        """POST one batch of due deliveries and record their outcomes; how many were claimed."""
        s = self.settings
        async with self.db.transaction() as conn:
            claimed = await store.claim_due(conn, s.webhook_batch, s.webhook_lease_seconds)
        if not claimed:
            return 0
        attempts = await asyncio.gather(*(self._attempt(row) for row in claimed))
        async with self.db.transaction() as conn:
            await self._record(conn, claimed, attempts)
        return len(claimed)

    async def _attempt(self, row: ClaimedDelivery) -> Attempt:
        body = row.payload.encode()
        timestamp = int(time.time())
        try:
            keys = self._keys(row)
        except InvalidTag:
            # Sealed under another NOTIFY_WEBHOOK_SECRET_KEY: nothing can sign it, but the
            # rest of the batch goes on (and the endpoint's admins see why in its log).
            log.error("webhook endpoint %s: its secret does not open", row.endpoint_id)
            return self._decide(row, None, None, "the signing secret cannot be opened", 0.0)
        headers = {
            "Content-Type": "application/json",
            "webhook-id": str(row.event_id),
            "webhook-timestamp": str(timestamp),
            "webhook-signature": rules.signature_header(keys, str(row.event_id), timestamp, body),
        }
        started = time.monotonic()
        status, excerpt, error = None, None, None
        try:
            status, excerpt = await self._post(row.url, body, headers)
        except TimeoutError:
            error = f"no answer within {self.settings.webhook_timeout_seconds:g} s"
        except RefusedAddress as refused:
            error = f"refused: {refused}"
        except aiohttp.ClientConnectorDNSError as failed:
            error = _refusal(failed) or "the host does not resolve"
        except (aiohttp.ClientError, OSError) as failed:
            error = f"{type(failed).__name__}: {failed}"[:300]
        latency = (time.monotonic() - started) * 1000
        return self._decide(row, status, excerpt, error, latency)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """One POST, its timeout counted from when a connection to the host is free: aiohttp's
        would include the wait for the pool, timing out a batch's later POSTs to one slow
        receiver that were never sent."""
        assert self._session is not None
        parts = urlsplit(url)
        self.guard.check_literal(parts.hostname or "")
        async with self._slot(parts.netloc):
            async with asyncio.timeout(self.settings.webhook_timeout_seconds):
                async with self._session.post(
                    url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    answer = await response.content.read(rules.RESPONSE_KEPT)
                    return response.status, rules.response_excerpt(answer)

    def _slot(self, host: str) -> asyncio.Semaphore:
        """The host's share of the pool (a connection each); kept while in use only."""
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = asyncio.Semaphore(self.settings.webhook_connections_per_host)
        return slot

    def _keys(self, row: ClaimedDelivery) -> list[bytes]:
        """The key bytes of every secret that signs now (both during a rotation)."""
        sealed = row.secrets
        current = self.box.open(row.endpoint_id, sealed.current)
        previous = self.box.open(row.endpoint_id, sealed.previous) if sealed.previous else None
        valid = rules.signing_secrets(current, previous, sealed.previous_until, datetime.now(UTC))
        return [rules.secret_key(secret) for secret in valid]

    def _decide(
        self, row: ClaimedDelivery, status: int | None, excerpt: str | None, error: str | None,
        latency: float,
    ) -> Attempt:  # fmt: skip
        schedule = self.settings.webhook_retry_schedule_seconds
        result = rules.outcome(status, row.attempts, schedule)
        if result == "delivered":
            self.counters.delivered.labels(row.event_type).inc()
        else:
            self.counters.failed.labels(row.event_type, str(result != "retry").lower()).inc()
        delay = (
            rules.retry_delay(row.attempts, schedule, random.uniform(0.9, 1.1))
            if result == "retry"
            else 0.0
        )
        state = {"delivered": "delivered", "retry": "pending"}.get(result, "failed")
        return Attempt(row.id, row.endpoint_id, state, status, excerpt, latency, error, delay,
                       gone=result == "gone")  # fmt: skip

    async def _record(
        self, conn: Connection, claimed: list[ClaimedDelivery], attempts: list[Attempt]
    ) -> None:
        now = datetime.now(UTC)
        await store.record_attempts(conn, attempts)
        succeeded = [a.endpoint_id for a in attempts if a.state == "delivered"]
        failed = [a.endpoint_id for a in attempts if a.state != "delivered"]
        await store.update_health(conn, succeeded, failed, now)
        gone = [a.endpoint_id for a in attempts if a.gone]
        off = await store.disable_endpoints(conn, gone, "gone", now) if gone else []
        if failed:
            before = now - rules.FAILING_LIMIT
            off += await store.disable_endpoints(conn, failed, "failing", now, before)
        for endpoint in off:
            log.warning("webhook endpoint %s disabled (%s)", endpoint.id, endpoint.disabled_reason)
            await self._tell_admins(conn, endpoint, now)

    async def _tell_admins(self, conn: Connection, endpoint: EndpointRow, now: datetime) -> None:
        """The firm's owners and admins learn that an endpoint was turned off, by email and
        in their feed (as an account matter)."""
        assert self._deps is not None
        notice = Notice(
            "webhook_disabled", Reach(firm_admins=True), "/firm/webhooks", None,
            {"endpoint_url": endpoint.url, "reason": endpoint.disabled_reason},
        )  # fmt: skip
        # Not an event of the bus: the disabling itself, recorded under an id of its own.
        occasion = Envelope(
            id=uuid4(), type="notify.webhook.disabled", version=1, occurred_at=now,
            firm_id=endpoint.firm_id, actor=None, data={"endpoint_id": str(endpoint.id)},
        )  # fmt: skip
        await fan_out(conn, notice, occasion, self._deps)


def _refusal(error: aiohttp.ClientConnectorDNSError) -> str | None:
    """aiohttp wraps what the resolver raised; a refusal says why."""
    cause = error.os_error
    return f"refused: {cause}" if isinstance(cause, RefusedAddress) else None
