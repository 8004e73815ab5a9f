"""The callee's side of RPC: serve `<service>.requests` in batches, one transaction per batch.

Requests are served in batches because a database round trip costs about 0.4 ms here: one
transaction per request tops out near 500/s while the ledger needs more. A `Batched` handler
goes further and serves a whole run of one firm's requests in one call. The answers of one
batch go back as one message per caller (`reply_to`), a JSON object of answers by correlation
id (`replies` gives their shape and keeps the first answer to each key). Requests come the same
way: a caller's calls asked together arrive as one message of calls (`CALLS_TYPE`, see the
client), which a worker serves whole, in one batch.
"""

import asyncio
import json
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError
from opentelemetry import trace
from pydantic import ValidationError

from shared.bus.connection import Bus
from shared.bus.rpc.client import CALLS_TYPE, DEADLINE_HEADER
from shared.bus.rpc.replies import (
    NO_FIRM,
    Answer,
    Key,
    earlier_replies,
    error_answer,
    lock_keys,
    ok_answer,
    store_replies,
)
from shared.bus.topology import REQUESTS, declare_request_queue
from shared.database import CONNECTION_LOST, Connection, Database
from shared.errors import DomainError
from shared.events.base import Envelope, Reply, Request, UnknownMessage
from shared.metrics import Metrics
from shared.telemetry import continued, extract_context, tracer

log = logging.getLogger(__name__)

RpcHandler = Callable[[Connection, Any, Envelope], Awaitable[Reply]]
# (connection, [(request, envelope)]), and `deps=` as a service declares it, until the kit binds it.
BatchHandler = Callable[..., Awaitable[Sequence[Reply]]]


@dataclass(frozen=True)
class Batched:
    """A handler that serves a run of same-type requests of one firm in one call, so that a hot
    row (a firm's account) is locked and written once per batch instead of once per request.

    It gets the (request, envelope) pairs in key order and returns their replies in the same
    order. If it raises, each of those requests is run again alone, as a list of one, so that
    a refusal answers only the request at fault.
    """

    handler: BatchHandler

    async def one(self, conn: Connection, request: Any, envelope: Envelope) -> Reply:
        (reply,) = await self.handler(conn, [(request, envelope)])
        return reply


@dataclass
class _Call:
    """One request: a message of its own, or one of a message of calls (`CALLS_TYPE`), whose
    items carry what a lone request's message properties do."""

    message: AbstractIncomingMessage
    type: str
    correlation_id: str | None
    headers: Mapping[str, Any]
    body: bytes | dict[str, Any]
    envelope: Envelope | None = None
    request: Request | None = None
    answer: Answer = field(default_factory=dict)

    @classmethod
    def of(cls, message: AbstractIncomingMessage) -> "list[_Call]":
        if message.type != CALLS_TYPE:
            headers = message.headers or {}
            return [cls(message, message.type or "", message.correlation_id, headers, message.body)]
        try:
            items = json.loads(message.body)
            return [
                cls(message, i["type"], i["correlation_id"], i["headers"], i["envelope"])
                for i in items
            ]
        except (ValueError, TypeError, KeyError) as exc:
            # No correlation id to answer: the callers time out and ask again.
            log.warning("rpc message of calls dropped, unreadable: %s", exc)
            return []

    @property
    def key(self) -> Key:
        """The idempotency key, scoped by request type and firm."""
        assert self.request is not None
        assert self.envelope is not None
        firm = self.envelope.firm_id or NO_FIRM
        return (self.request.type, firm, self.request.idempotency_key)

    @property
    def order(self) -> tuple[str, str, str]:
        """Firm first: handlers lock their firm's rows, so batches lock firms in one order."""
        kind, firm, key = self.key
        return (str(firm), kind, key)

    @property
    def run(self) -> tuple[str, str]:
        """Calls that a batched handler may serve together: one firm, one request type."""
        return self.order[:2]


class _Isolate(Exception):
    """A handler failed in the fast pass: run the batch again, isolating each request."""


class RpcServer:
    """Serves `<service>.requests` in batches: a handful of statements per batch plus the handlers'.

    Each worker consumes on a channel of its own, takes what has arrived (up to `batch_size`)
    as a batch, and settles the batch with one acknowledgement. A batch is sorted by (firm,
    type, key) so that concurrent batches take their locks in the same order and cannot
    deadlock. Its handlers first run without savepoints; only if one raises is the batch run
    again with a savepoint per request, so that a refusal answers that request alone.
    """

    def __init__(
        self,
        *,
        bus: Bus,
        db: Database,
        service: str,
        handlers: Mapping[type[Request], RpcHandler | Batched],
        batch_size: int = 100,
        workers: int = 2,
        metrics: Metrics | None = None,
    ) -> None:
        self.bus = bus
        self.metrics = metrics or Metrics()
        self.db = db
        self.queue = bus.names.queue(service, REQUESTS)
        self.handlers = dict(handlers)
        self.batch_size = batch_size
        # Each item is one message's calls: a worker takes whole messages, so that settling a
        # batch never acknowledges a call that it did not serve.
        self._inboxes: list[asyncio.Queue[list[_Call]]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        bus.on_connect(self._start)

    async def _start(self, connection: AbstractConnection) -> None:
        for inbox in self._inboxes:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.batch_size)
            queue = await declare_request_queue(channel, self.queue)
            self.bus.watch(channel)
            await queue.consume(partial(_deliver, inbox))
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._work(inbox)) for inbox in self._inboxes]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _work(self, inbox: asyncio.Queue[list[_Call]]) -> None:
        while True:
            batch = await inbox.get()
            while len(batch) < self.batch_size and not inbox.empty():
                batch += inbox.get_nowait()
            try:
                done = await self._serve(batch)
            except Exception:
                log.exception("rpc batch failed; its requests will be redelivered")
                done = False
            await _settle(batch, done=done)

    async def _serve(self, batch: list[_Call]) -> bool:
        """Answer the batch; False if the database was lost and the batch must come again."""
        live = sorted([call for call in batch if self._admit(call)], key=lambda c: c.order)
        # A batch of refusals and expired requests only needs no transaction: just answers.
        if live:
            try:
                try:
                    await self._answer(live, careful=False)
                except _Isolate:
                    await self._answer(live, careful=True)
            except CONNECTION_LOST as exc:
                log.warning("rpc batch lost its database connection: %s", exc)
                return False
        answered = [call for call in batch if call.answer]
        for call in answered:
            outcome = "ok" if "ok" in call.answer else str(call.answer["error"]["status"])
            self.metrics.rpc_served.labels(call.type, outcome).inc()
        await self._reply(answered)
        return True

    def _admit(self, call: _Call) -> bool:
        """Parse the request, or answer it with an error; drop it if its caller has given up."""
        deadline_ms = int(str(call.headers.get(DEADLINE_HEADER, 0) or 0))
        if deadline_ms and deadline_ms < time.time() * 1000:
            return False
        try:
            if isinstance(call.body, dict):
                call.envelope = Envelope.model_validate(call.body)
            else:
                call.envelope = Envelope.model_validate_json(call.body)
            request = call.envelope.open()
        except (ValidationError, UnknownMessage) as exc:
            call.answer = error_answer(422, "Invalid request", str(exc))
            return False
        if not isinstance(request, Request) or type(request) not in self.handlers:
            call.answer = error_answer(404, "Unknown request", f"{call.type} is not served here")
            return False
        call.request = request
        return True

    async def _answer(self, calls: list[_Call], *, careful: bool) -> None:
        """Answer every call in one transaction; the first reply to a key is kept for ever."""
        async with self.db.transaction() as conn:
            await lock_keys(conn, [call.key for call in calls])
            known = await earlier_replies(conn, [call.key for call in calls])
            first: dict[Key, _Call] = {}
            for call in calls:
                if call.key in known:
                    call.answer = {"ok": known[call.key]}
                else:
                    first.setdefault(call.key, call)
            for _, run in groupby(first.values(), key=lambda c: c.run):
                await self._run(conn, list(run), careful)
            for call in calls:
                if call.key not in known:
                    call.answer = first[call.key].answer
            stored = {key: c.answer["ok"] for key, c in first.items() if "ok" in c.answer}
            await store_replies(conn, stored)

    async def _run(self, conn: Connection, run: list[_Call], careful: bool) -> None:
        """Serve a run of one firm's requests of one type: together if the handler is
        batched, else one by one; in the careful pass, each alone in a savepoint."""
        assert run[0].request is not None
        handler = self.handlers[type(run[0].request)]
        if careful:
            single = handler.one if isinstance(handler, Batched) else handler
            for call in run:
                with _serving(run[0].request.type, [call]):
                    call.answer = await _run_isolated(conn, call, single)
            return
        with _serving(run[0].request.type, run):
            try:
                if isinstance(handler, Batched):
                    replies = await handler.handler(conn, [_pair(call) for call in run])
                else:
                    replies = [await handler(conn, *_pair(call)) for call in run]
            except CONNECTION_LOST:
                raise
            except Exception as exc:
                raise _Isolate from exc
        for call, reply in zip(run, replies, strict=True):
            call.answer = ok_answer(reply)

    async def _reply(self, calls: list[_Call]) -> None:
        """One message per caller: the answers to all its calls in the batch, by correlation
        id. A reply costs the broker and both ends about what a request does, so one message
        instead of dozens is most of what batching saves."""
        answers: dict[str, dict[str, Answer]] = defaultdict(dict)
        first: dict[str, _Call] = {}
        for call in calls:
            if call.message.reply_to and call.correlation_id:
                answers[call.message.reply_to][call.correlation_id] = call.answer
                first.setdefault(call.message.reply_to, call)
        for reply_to, by_call in answers.items():
            reply = aio_pika.Message(json.dumps(by_call).encode(), content_type="application/json")
            try:
                # In the trace of the caller's first request in it, not in a trace of its own.
                with continued(first[reply_to].headers):
                    await self.bus.send_direct(reply_to, reply)
            except Exception as exc:
                log.warning("rpc reply not sent (the caller will retry): %s", exc)


async def _deliver(inbox: asyncio.Queue[list[_Call]], message: AbstractIncomingMessage) -> None:
    calls = _Call.of(message)
    if calls:
        await inbox.put(calls)
    else:  # an unreadable message of calls: nothing to answer, nothing to serve again
        await message.reject(requeue=False)


async def _settle(batch: list[_Call], *, done: bool) -> None:
    """One ack (or requeue) per channel for the whole batch: a worker's channel delivers to it
    alone and in tag order, so the batch's last tag on a channel covers the rest of it.
    Messages of a channel that has closed meanwhile are redelivered by the broker anyway."""
    last: dict[int, AbstractIncomingMessage] = {}
    for call in batch:
        with suppress(ChannelInvalidStateError):
            last[id(call.message.channel)] = call.message
    for message in last.values():
        try:
            if done:
                await message.ack(multiple=True)
            else:
                await message.nack(multiple=True, requeue=True)
        except (ChannelInvalidStateError, AMQPError) as exc:
            log.warning("rpc batch not settled (the broker redelivers it): %s", exc)


def _pair(call: _Call) -> tuple[Any, Envelope]:
    assert call.envelope is not None
    return call.request, call.envelope


@contextmanager
def _serving(request_type: str, calls: list[_Call]) -> Iterator[None]:
    """A server span for what one handler call serves, linked to each caller's span."""
    callers = [extract_context(c.headers) for c in calls]
    links = [trace.Link(trace.get_current_span(c).get_span_context()) for c in callers]
    with tracer.start_as_current_span(
        f"serve {request_type}",
        context=callers[0] if len(callers) == 1 else None,
        kind=trace.SpanKind.SERVER,
        links=links,
        attributes={"rpc.batch_size": len(calls)},
    ):
        yield


async def _run_isolated(conn: Connection, call: _Call, handler: RpcHandler) -> Answer:
    try:
        async with conn.transaction():
            reply = await handler(conn, *_pair(call))
        return ok_answer(reply)
    except DomainError as exc:
        return error_answer(exc.status, exc.title, exc.detail, exc.field)
    except CONNECTION_LOST:
        raise
    except Exception:
        log.exception("rpc %s failed", call.type)
        return error_answer(500, "Internal error", "the request could not be served")
