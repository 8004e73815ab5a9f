"""The caller's side of RPC: send a request to its owner's queue, wait for the answer on this
process's reply queue, and raise what went wrong in the caller's terms."""

import asyncio
import json
import time
from typing import Any
from uuid import UUID

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import DeliveryError
from opentelemetry import trace

from shared.bus.connection import Bus, BusUnavailable
from shared.bus.topology import REQUESTS
from shared.errors import Unavailable
from shared.events.base import Envelope, Reply, Request
from shared.telemetry import inject_headers, tracer

# Epoch milliseconds as an integer: pamqp encodes a float header as a 32-bit float, which
# loses about a minute on today's epoch seconds.
DEADLINE_HEADER = "x-deadline-ms"


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
    """The request could not be delivered (broker down or nobody serves that queue)."""


class RpcClient:
    def __init__(self, bus: Bus, *, timeout: float = 5.0) -> None:
        self.bus = bus
        self.timeout = timeout
        self._reply_to = ""
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
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
    ) -> Any:
        """Ask the request's owning service; returns its typed Reply or raises RpcError."""
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        envelope = Envelope.wrap(request, firm_id=firm_id, actor=actor)
        correlation_id = str(envelope.id)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            with tracer.start_as_current_span(f"rpc {request.type}", kind=trace.SpanKind.CLIENT):
                await self._send(request, envelope, int((time.time() + timeout) * 1000))
                answer = await asyncio.wait_for(future, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise RpcTimeout(f"{request.target} did not answer {request.type} in time") from None
        finally:
            self._pending.pop(correlation_id, None)
        return _reply(request, answer)

    async def _send(self, request: Request, envelope: Envelope, deadline_ms: int) -> None:
        message = aio_pika.Message(
            envelope.model_dump_json().encode(),
            message_id=str(envelope.id),
            correlation_id=str(envelope.id),
            reply_to=self._reply_to,
            content_type="application/json",
            type=request.type,
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
            headers={**inject_headers(), DEADLINE_HEADER: deadline_ms},
        )
        queue = self.bus.names.queue(request.target, REQUESTS)
        try:
            await self.bus.publish("", queue, message, mandatory=True)
        except (DeliveryError, BusUnavailable) as exc:
            raise RpcUnavailable(f"{request.target} is unreachable: {exc}") from None


def _reply(request: Request, answer: dict[str, Any]) -> Reply:
    if "error" in answer:
        error = answer["error"]
        raise RpcError(error["status"], error["title"], error["detail"], error.get("field"))
    return request.reply.model_validate(answer["ok"])
