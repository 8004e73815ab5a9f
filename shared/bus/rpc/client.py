"""The caller's side of RPC: send a request to its owner's queue, wait for the answer on this
process's reply queue, and raise what went wrong in the caller's terms."""

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError
from opentelemetry import trace

from shared.backoff import backoff_delay
from shared.bus.connection import Bus
from shared.bus.rpc.replies import Answer
from shared.bus.topology import REQUESTS
from shared.errors import Unavailable
from shared.events.base import Envelope, Reply, Request
from shared.metrics import Metrics
from shared.telemetry import inject_headers, tracer

log = logging.getLogger(__name__)

# Epoch milliseconds as an integer: pamqp encodes a float header as a 32-bit float, which
# loses about a minute on today's epoch seconds.
DEADLINE_HEADER = "x-deadline-ms"

# The message type of a message that carries several calls (a JSON array; see `_Outgoing.item`).
CALLS_TYPE = "rpc.calls"
# At most this many calls go in one message, so that one message stays one server batch.
MAX_CALLS = 100


class RpcError(Exception):
    """The callee refused the request (its answer carries a status, title and detail)."""

    def __init__(self, status: int, title: str, detail: str, field: str | None = None) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field


class RpcTimeout(Unavailable):
    """No answer in time: the outcome is unknown; retry with the same idempotency key."""


class RpcUnavailable(Unavailable):
    """The request could not be handed to the broker: not connected in time, nobody serves
    that queue, or the connection broke while sending. Safe to ask again with the same key."""


@dataclass(frozen=True)
class Retry:
    """How `RpcClient.call` asks again when it has no answer; callers keep no retry loop.

    A timeout means the outcome is unknown (the request may have been served and its answer
    lost), and `RpcUnavailable` means the broker did not take the request (down, not
    connected, nobody serves the queue). Either way the same request goes again, with the same
    idempotency key, after `backoff_delay(n, backoff_base, backoff_cap)`: the callee answers
    a repeated key with its first answer, so nothing is done twice. A refusal (`RpcError`) is
    the callee's answer and is never asked again.

    `attempts` counts the first try, so `Retry()` tries once: what every call did before the
    policy existed. `timeout` is the wait for one attempt's answer (None: the client's).
    """

    attempts: int = 1
    timeout: float | None = None
    backoff_base: float = 0.2
    backoff_cap: float = 2.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts counts the first try: at least 1")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be positive")
        if not 0 <= self.backoff_base <= self.backoff_cap:
            raise ValueError("backoff needs 0 <= backoff_base <= backoff_cap")

    def delay(self, retry: int) -> float:
        """The wait before retry number `retry` (1 = the second attempt)."""
        return backoff_delay(retry, self.backoff_base, self.backoff_cap)


@dataclass
class _Ask:
    """One call across its attempts. Every attempt's correlation id resolves the same future:
    a late answer to an earlier attempt still ends the call, being the same first answer."""

    request: Request
    firm_id: UUID | None
    actor: UUID | None
    answered: asyncio.Future[Answer]
    correlation_ids: list[str] = field(default_factory=list)


class RpcClient:
    """Calls other services' RPC queues. `retry` is the policy of calls that name none
    (default: one attempt); `timeout` the wait for one attempt when the policy names none."""

    def __init__(
        self,
        bus: Bus,
        *,
        timeout: float = 5.0,
        retry: Retry | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.bus = bus
        self.timeout = timeout
        self.retry = retry or Retry()
        self.metrics = metrics or Metrics()
        self._reply_to = ""
        self._pending: dict[str, asyncio.Future[Answer]] = {}
        self._senders: dict[str, _Sender] = {}
        bus.on_connect(self._start)

    async def _start(self, connection: AbstractConnection) -> None:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.consume(self._on_reply, no_ack=True)
        self.bus.watch(channel)
        self._reply_to = queue.name

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        """A reply message carries answers by correlation id: all those of one server batch."""
        for correlation_id, answer in json.loads(message.body).items():
            future = self._pending.get(correlation_id)
            if future is not None and not future.done():
                future.set_result(answer)

    async def call(
        self,
        request: Request,
        *,
        firm_id: UUID | None,
        actor: UUID | None,
        timeout: float | None = None,
        retry: Retry | None = None,
    ) -> Any:
        """Ask the request's owning service; returns its typed Reply or raises RpcError.

        Tries as `retry` says (else the client's policy), each attempt waiting `timeout`, else
        the policy's, else the client's. When the attempts run out it raises RpcTimeout if any
        attempt went unanswered (the outcome is unknown), else RpcUnavailable (the broker took
        none of them); either way asking again later with the same key is safe.
        """
        started, outcome = time.perf_counter(), "error"
        try:
            reply = await self._call(request, firm_id, actor, timeout, retry)
            outcome = "ok"
            return reply
        except RpcError:
            outcome = "refused"
            raise
        except RpcTimeout:
            outcome = "timeout"
            raise
        except RpcUnavailable:
            outcome = "unavailable"
            raise
        finally:
            self.metrics.rpc_calls.labels(request.type, outcome).inc()
            self.metrics.rpc_duration.labels(request.type, outcome).observe(
                time.perf_counter() - started
            )

    async def _call(
        self,
        request: Request,
        firm_id: UUID | None,
        actor: UUID | None,
        timeout: float | None,
        retry: Retry | None,
    ) -> Any:
        policy = retry or self.retry
        wait = timeout or policy.timeout or self.timeout
        ask = _Ask(request, firm_id, actor, asyncio.get_running_loop().create_future())
        failures: list[Unavailable] = []
        try:
            for attempt in range(1, policy.attempts + 1):
                if failures:
                    log.warning(
                        "rpc %s: %s; asking again (%d/%d)",
                        request.type,
                        failures[-1],
                        attempt,
                        policy.attempts,
                    )
                    await asyncio.sleep(policy.delay(attempt - 1))
                try:
                    return _reply(request, await self._attempt(ask, attempt, wait))
                except (RpcTimeout, RpcUnavailable) as exc:
                    failures.append(exc)
        finally:
            for correlation_id in ask.correlation_ids:
                self._pending.pop(correlation_id, None)
        timeouts = [failure for failure in failures if isinstance(failure, RpcTimeout)]
        raise (timeouts or failures)[-1]

    async def _attempt(self, ask: _Ask, attempt: int, wait: float) -> Answer:
        """Send the request once more and wait up to `wait` for an answer to any attempt."""
        if ask.answered.done():
            return ask.answered.result()
        request = ask.request
        deadline = time.monotonic() + wait
        envelope = Envelope.wrap(request, firm_id=ask.firm_id, actor=ask.actor)
        ask.correlation_ids.append(str(envelope.id))
        self._pending[str(envelope.id)] = ask.answered
        span = tracer.start_as_current_span(
            f"rpc {request.type}", kind=trace.SpanKind.CLIENT, attributes={"rpc.attempt": attempt}
        )
        try:
            with span:
                await self._send(request, envelope, wait)
                remaining = max(0.0, deadline - time.monotonic())
                return await asyncio.wait_for(asyncio.shield(ask.answered), remaining)
        except TimeoutError:
            raise RpcTimeout(f"{request.target} did not answer {request.type} in time") from None

    async def _send(self, request: Request, envelope: Envelope, wait: float) -> None:
        queue = self.bus.names.queue(request.target, REQUESTS)
        call = _Outgoing(
            envelope.model_dump_json().encode(),
            request.type,
            str(envelope.id),
            {**inject_headers(), DEADLINE_HEADER: int((time.time() + wait) * 1000)},
            wait,
            asyncio.get_running_loop().create_future(),
        )
        sender = self._senders.get(queue)
        if sender is None:
            sender = self._senders[queue] = _Sender(self, queue)
        sender.add(call)
        try:
            # Given up on, it is cancelled, so the sender leaves it out.
            await asyncio.wait_for(call.sent, wait)
        except (AMQPError, ChannelInvalidStateError, ConnectionError) as exc:
            # Returned (no such queue), not connected in time, or the connection broke.
            raise RpcUnavailable(f"{request.target} is unreachable: {exc}") from None

    async def _publish(self, queue: str, calls: "list[_Outgoing]") -> None:
        """One call goes as the request itself; several (those asked while the previous
        message to this queue awaited its confirm) as one message of calls (`CALLS_TYPE`)."""
        wait = max(call.wait for call in calls)
        if len(calls) == 1:
            message = calls[0].message(self._reply_to)
        else:
            message = aio_pika.Message(
                b"[" + b",".join(call.item() for call in calls) + b"]",
                reply_to=self._reply_to,
                content_type="application/json",
                type=CALLS_TYPE,
                delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
                headers={DEADLINE_HEADER: max(call.headers[DEADLINE_HEADER] for call in calls)},
            )
        await self.bus.publish("", queue, message, mandatory=True, timeout=wait)


@dataclass
class _Outgoing:
    """One attempt's request on its way to the broker; `sent` ends when the broker took it."""

    body: bytes
    type: str
    correlation_id: str
    headers: dict[str, Any]
    wait: float
    sent: asyncio.Future[None]

    def message(self, reply_to: str) -> aio_pika.Message:
        return aio_pika.Message(
            self.body,
            message_id=self.correlation_id,
            correlation_id=self.correlation_id,
            reply_to=reply_to,
            content_type="application/json",
            type=self.type,
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
            headers=self.headers,
        )

    def item(self) -> bytes:
        """This call as an element of a message of calls: its own id, type, headers, body."""
        head = {"correlation_id": self.correlation_id, "type": self.type, "headers": self.headers}
        return json.dumps(head)[:-1].encode() + b', "envelope": ' + self.body + b"}"


class _Sender:
    """Sends one queue's requests: a message at a time, each holding every call asked while the
    previous one awaited its confirm (up to `MAX_CALLS`). A lone call goes as it always did; a
    crowd of callers costs the broker and both ends a message per crowd, not per call."""

    def __init__(self, client: RpcClient, queue: str) -> None:
        self.client = client
        self.queue = queue
        self.waiting: list[_Outgoing] = []
        self.task: asyncio.Task[None] | None = None

    def add(self, call: _Outgoing) -> None:
        self.waiting.append(call)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._send_waiting())

    async def _send_waiting(self) -> None:
        while self.waiting:
            calls, self.waiting = self.waiting[:MAX_CALLS], self.waiting[MAX_CALLS:]
            calls = [call for call in calls if not call.sent.done()]  # attempts given up
            if not calls:
                continue
            try:
                await self.client._publish(self.queue, calls)
            except Exception as exc:  # each attempt raises it in its own terms
                for call in calls:
                    if not call.sent.done():
                        call.sent.set_exception(exc)
            else:
                for call in calls:
                    if not call.sent.done():
                        call.sent.set_result(None)


def _reply(request: Request, answer: Answer) -> Reply:
    if "error" in answer:
        error = answer["error"]
        raise RpcError(error["status"], error["title"], error["detail"], error.get("field"))
    # A newer server's added reply fields are ignored, like an event's (Envelope.open).
    return request.reply.model_validate(answer["ok"], extra="ignore")
