"""A webhook receiver and a DNS server of the tests' own.

`verify` is written from the Standard Webhooks specification (standardwebhooks.com,
"Verifying webhook authenticity"), not from notify's code: the secret is `whsec_` + base64 of
the key; the signed content is `{webhook-id}.{webhook-timestamp}.{body}`; `webhook-signature`
is a space-delimited list of `v1,<base64 HMAC-SHA256>`; any one matching entry makes the
message authentic; a timestamp too far from now is refused against replays.
"""

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from aiohttp import web

TOLERANCE_SECONDS = 5 * 60


class Unverified(Exception):
    pass


def verify(secret: str, headers: Any, body: bytes, now: float | None = None) -> None:
    """Raise Unverified unless the request was signed with `secret` (Standard Webhooks)."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise Unverified("timestamp outside the tolerance")
    key = base64.b64decode(secret.split("_", 1)[1])
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest())
    for entry in headers["webhook-signature"].split(" "):
        version, _, given = entry.partition(",")
        if version == "v1" and hmac.compare_digest(given.encode(), expected):
            return
    raise Unverified("no signature matches")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Received], web.StreamResponse]


@dataclass
class Receiver:
    """An HTTP server that records every request and answers with `answers` in turn (the last
    one again once they run out)."""

    answers: list[Answer] = field(default_factory=lambda: [ok])
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, host: str = "localhost", path: str = "/hook", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        got = Received(request.path, dict(request.headers), await request.read())
        self.received.append(got)
        answer = self.answers[min(len(self.received), len(self.answers)) - 1]
        if self.delay:
            await asyncio.sleep(self.delay)
        return answer(got)


def ok(_: Received) -> web.StreamResponse:
    return web.Response(text="thanks")


def status(code: int, text: str = "", **headers: str) -> Answer:
    return lambda _: web.Response(status=code, text=text, headers=headers)


class DnsServer(asyncio.DatagramProtocol):
    """Answers A and AAAA questions from `records` (name → addresses), which a test changes
    to rebind a name; anything else is NXDOMAIN."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.port = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", 0)
        )
        self._transport = transport  # type: ignore[assignment]
        self.port = transport.get_extra_info("sockname")[1]

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        if name not in self.records:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        kind = "AAAA" if question.rdtype == dns.rdatatype.AAAA else "A"
        wanted = [a for a in self.records.get(name, []) if (":" in a) == (kind == "AAAA")]
        if wanted and question.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            reply.answer.append(dns.rrset.from_text_list(question.name, 1, "IN", kind, wanted))
        assert self._transport is not None
        self._transport.sendto(reply.to_wire(), addr)
