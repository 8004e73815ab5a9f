"""The delivery worker: claims due emails, sends them through the SMTP pool, records outcomes.

It wakes on PostgreSQL NOTIFY when new mail is queued and polls as well (retries become due
by the clock, and a lost notification only delays). Several loops run per replica and any
number of replicas may run: claims skip each other's locked rows.
"""

import asyncio
import logging
import re
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate

from opentelemetry import trace

from services.notify import domain
from services.notify.mailer import Answer, Mailer
from services.notify.models import Claimed, Outcome
from services.notify.recording import OutcomeRecorder
from services.notify.settings import NotifySettings
from services.notify.store import deliveries
from shared.database import Database
from shared.metrics import Metrics
from shared.telemetry import continued, tracer
from shared.wakeup import NotifiedWorker

log = logging.getLogger(__name__)


# Subject and bodies in UTF-8, quoted-printable: 7-bit on the wire, readable in the source.
_UTF8 = Charset("utf-8")
_UTF8.header_encoding = QP
_UTF8.body_encoding = QP
_LINE_BREAK = re.compile(r"[\r\n]")


def email_of(row: Claimed, sender: str) -> Message:
    """The email of a claimed delivery, built with the email package's compat32 classes.

    EmailMessage parses every header it is given through its header registry: building and
    flattening one took about 2 ms of CPU, most of a send (bench.notify profile), and once
    folded a long non-ASCII subject with a doubled space. These classes take a third of that
    and carry the subject exactly. The values are ours (a rendered subject, the address
    identity validated, our sender); a line break in one is refused as EmailMessage refuses
    it. An internationalised address needs SMTPUTF8, which only EmailMessage provides."""
    if not (row.email.isascii() and sender.isascii()):
        return _international(row, sender)
    if any(_LINE_BREAK.search(value) for value in (sender, row.email, row.subject)):
        raise ValueError("a header value may not contain a line break")
    message = MIMEMultipart("alternative")
    _headers(message, row, sender)
    # typeshed's stubs take only strings here; the email package documents a Header as a
    # header value and a Charset as the charset.
    if not row.subject.isascii():
        message.replace_header("Subject", Header(row.subject, _UTF8))  # type: ignore[arg-type]
    message.attach(MIMEText(_ended(row.text_body), "plain", _UTF8))  # type: ignore[arg-type]
    message.attach(MIMEText(_ended(row.html_body), "html", _UTF8))  # type: ignore[arg-type]
    return message


def _international(row: Claimed, sender: str) -> EmailMessage:
    message = EmailMessage()
    _headers(message, row, sender)
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    return message


def _headers(message: Message, row: Claimed, sender: str) -> None:
    message["From"] = sender
    message["To"] = row.email
    message["Subject"] = row.subject
    message["Date"] = formatdate(usegmt=True)
    # A stable id lets receivers recognise the (rare) resend after a crash mid-send.
    message["Message-ID"] = f"<{row.id}@notify.portal>"


def _ended(body: str) -> str:
    """Ended by a line break, as EmailMessage.set_content ends a body."""
    return body if body.endswith("\n") else body + "\n"


class Mails:
    """Notify's counters: each send's outcome, by message kind."""

    def __init__(self, metrics: Metrics) -> None:
        self.sent = metrics.counter("portal_mails_sent", "Emails the SMTP server took.", ("kind",))
        self.failed = metrics.counter(
            "portal_mails_failed", "Emails given up on (refused, or out of attempts).", ("kind",)
        )
        self.deferred = metrics.counter(
            "portal_mails_deferred", "Sends that failed and will be tried again.", ("kind",)
        )


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        mailer: Mailer,
        settings: NotifySettings,
        metrics: Metrics,
        loops: int = 2,
    ):
        self.db = db
        self.mailer = mailer
        self.settings = settings
        self.mails = Mails(metrics)
        self.recorder = OutcomeRecorder(db)
        self._worker = NotifiedWorker(
            name="notify-delivery", dsn=settings.dsn, channel=deliveries.WAKE_CHANNEL,
            step=self._step, poll_seconds=settings.delivery_poll_seconds, loops=loops,
        )  # fmt: skip

    async def start(self) -> None:
        await self._worker.start()

    async def stop(self) -> None:
        await self._worker.stop()

    async def _step(self) -> bool:
        return await self.deliver_batch() >= self.settings.delivery_batch

    async def deliver_batch(self) -> int:
        """Send one batch of due emails; returns how many were claimed."""
        s = self.settings
        async with self.db.transaction() as conn:
            claimed = await deliveries.claim_due(conn, s.delivery_batch, s.lease_seconds)
        if claimed:
            await asyncio.gather(*(self._deliver(row) for row in claimed))
        return len(claimed)

    async def _deliver(self, row: Claimed) -> None:
        """Send one email and record what the server answered before its connection sends
        the next one.

        SMTP has no idempotency: a mail whose reply arrived but whose outcome was not yet
        recorded goes out again when its lease ends. Recording each outcome as its reply
        arrives (not once per batch), while still holding the connection, keeps that window
        to one mail per connection; the stable Message-ID lets mail systems collapse it.
        """
        message = email_of(row, self.settings.sender)
        # The send, in the trace of the event that queued the email.
        with (
            continued(row.trace_context),
            tracer.start_as_current_span(
                "smtp send",
                kind=trace.SpanKind.CLIENT,
                attributes={"notify.kind": row.kind, "notify.attempt": row.attempts},
            ) as span,
        ):

            async def record(answer: Answer) -> None:
                span.set_attribute("smtp.reply_code", answer.code or 0)
                await self.recorder.record(self._outcome(row, answer))

            await self.mailer.send(message, then=record)

    def _outcome(self, row: Claimed, answer: Answer) -> Outcome:
        s = self.settings
        state = domain.smtp_outcome(answer.code, row.attempts, s.max_attempts)
        reply = f"{answer.code or '---'} {answer.reply}"[:500]
        if state == "sent":
            self.mails.sent.labels(row.kind).inc()
            return Outcome(row.id, "sent", reply, 0.0)
        if state == "failed":
            self.mails.failed.labels(row.kind).inc()
            log.error(
                "delivery %s (%s) failed after %d attempts: %s",
                row.id,
                row.kind,
                row.attempts,
                reply,
            )
            return Outcome(row.id, "failed", reply, 0.0)
        delay = domain.retry_delay(row.attempts, s.retry_base_seconds, s.retry_max_seconds)
        self.mails.deferred.labels(row.kind).inc()
        log.warning(
            "delivery %s (%s) attempt %d deferred %.1fs: %s",
            row.id,
            row.kind,
            row.attempts,
            delay,
            reply,
        )
        return Outcome(row.id, "queued", reply, delay)
