"""The delivery worker: claims due emails, sends them through the SMTP pool, records outcomes.

It wakes on PostgreSQL NOTIFY when new mail is queued and polls as well (retries become due
by the clock, and a lost notification only delays). Several loops run per replica and any
number of replicas may run: claims skip each other's locked rows.
"""

import asyncio
import logging
from contextlib import suppress
from email.message import EmailMessage
from email.utils import formatdate

import asyncpg

from services.notify import domain, outbox
from services.notify.mailer import Mailer
from services.notify.models import Claimed, Outcome
from services.notify.settings import NotifySettings
from shared.backoff import backoff_delay
from shared.database import Database

log = logging.getLogger(__name__)


def email_of(row: Claimed, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.email
    message["Subject"] = row.subject
    message["Date"] = formatdate(usegmt=True)
    # A stable id lets receivers recognise the (rare) resend after a crash mid-send.
    message["Message-ID"] = f"<{row.id}@notify.portal>"
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


class DeliveryWorker:
    def __init__(self, db: Database, mailer: Mailer, settings: NotifySettings, loops: int = 2):
        self.db = db
        self.mailer = mailer
        self.settings = settings
        self.loops = loops
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"notify-delivery-{n}") for n in range(self.loops)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
                claimed = await self.deliver_batch()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("delivery worker: %s; retry %d", type(exc).__name__, failures)
                await asyncio.sleep(backoff_delay(failures, 0.2, 5.0))
                continue
            if claimed < self.settings.delivery_batch:
                await self._sleep()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self.settings.dsn)
        await self._listener.add_listener(outbox.WAKE_CHANNEL, lambda *_: self._wake.set())

    async def _sleep(self) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.settings.delivery_poll_seconds)
        self._wake.clear()

    async def deliver_batch(self) -> int:
        """Send one batch of due emails; returns how many were claimed."""
        s = self.settings
        async with self.db.transaction() as conn:
            claimed = await outbox.claim_due(conn, s.delivery_batch, s.lease_seconds)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self._send(row) for row in claimed))
        async with self.db.transaction() as conn:
            await outbox.record_outcomes(conn, outcomes)
        return len(claimed)

    async def _send(self, row: Claimed) -> Outcome:
        s = self.settings
        answer = await self.mailer.send(email_of(row, s.sender))
        state = domain.smtp_outcome(answer.code, row.attempts, s.max_attempts)
        reply = f"{answer.code or '---'} {answer.reply}"[:500]
        if state == "sent":
            return Outcome(row.id, "sent", reply, 0.0)
        if state == "failed":
            log.error(
                "delivery %s (%s) failed after %d attempts: %s",
                row.id,
                row.kind,
                row.attempts,
                reply,
            )
            return Outcome(row.id, "failed", reply, 0.0)
        delay = domain.retry_delay(row.attempts, s.retry_base_seconds, s.retry_max_seconds)
        log.warning(
            "delivery %s (%s) attempt %d deferred %.1fs: %s",
            row.id,
            row.kind,
            row.attempts,
            delay,
            reply,
        )
        return Outcome(row.id, "queued", reply, delay)
