"""Identity's answer to a replica catching up on revocations (`ListRevocations`), for the tests
that run a service without identity (as `JwksServer` stands in for its key set).

Every replica of every service asks identity for the recent revocations before it serves a
token (shared/revocation.py). This answers from what it heard in the namespace since it
started: the `SessionRevoked` and `TokensRevoked` events a test (or a real identity in the same
namespace, which answers the same) published. It serves identity's real request queue on the
real broker, so the service under test goes through its real catch-up.
"""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.bus import BusNames
from shared.bus.connection import close_connection
from shared.bus.topology import REQUESTS, declare_exchanges, declare_request_queue
from shared.events.base import Envelope
from shared.events.identity import (
    ListRevocations,
    Revocations,
    RevokedSession,
    RevokedTokens,
    SessionRevoked,
    TokensRevoked,
)
from shared.revocation import ROUTING_KEYS


@dataclass
class HeardRevocations:
    sessions: list[RevokedSession] = field(default_factory=list)
    tokens: list[RevokedTokens] = field(default_factory=list)
    asked: int = 0  # catch-ups answered

    def hear(self, envelope: Envelope) -> None:
        event = envelope.open()
        if isinstance(event, SessionRevoked):
            self.sessions.append(
                RevokedSession(**event.model_dump(include={"session_id", "revoked_at"}))
            )
        elif isinstance(event, TokensRevoked) and envelope.firm_id is not None:
            self.tokens.append(
                RevokedTokens(
                    firm_id=envelope.firm_id,
                    person_id=event.person_id,
                    issued_before=event.issued_before,
                )
            )

    def since(self, request: ListRevocations) -> Revocations:
        self.asked += 1
        return Revocations(
            sessions=[s for s in self.sessions if s.revoked_at >= request.since],
            tokens=[t for t in self.tokens if t.issued_before >= request.since],
        )


@asynccontextmanager
async def answering_catch_up(amqp_url: str, names: BusNames) -> AsyncIterator[HeardRevocations]:
    heard = HeardRevocations()
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        await declare_exchanges(channel, names)
        events = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in ROUTING_KEYS:
            await events.bind(names.events, routing_key=key)

        async def on_event(message: AbstractIncomingMessage) -> None:
            heard.hear(Envelope.model_validate_json(message.body))

        await events.consume(on_event, no_ack=True)
        requests = await declare_request_queue(channel, names.queue("identity", REQUESTS))

        async def on_request(message: AbstractIncomingMessage) -> None:
            async with message.process():
                request = Envelope.model_validate_json(message.body).open()
                assert isinstance(request, ListRevocations), request
                answer = {"ok": heard.since(request).model_dump(mode="json")}
                reply = json.dumps({message.correlation_id: answer}).encode()
                assert message.reply_to
                await channel.default_exchange.publish(aio_pika.Message(reply), message.reply_to)

        await requests.consume(on_request)
        yield heard
    finally:
        await close_connection(connection)
