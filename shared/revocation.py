"""Revocation that takes effect everywhere at once (ARCHITECTURE §4).

Access tokens are verified locally and live minutes, so a signed-out session, a removed staff
member or a contact whose portal access was switched off would keep working until the token
expired. Identity therefore publishes each revocation (`SessionRevoked`: by session, the
token's `sid`; `TokensRevoked`: by person and firm, for tokens issued up to a time) and every
replica of every service keeps them in a `DenyList` that the token verifier consults.

- Each replica has its own queue (exclusive, auto-delete, not durable) bound to the two
  routing keys: a work queue shared by the replicas would hand each event to one of them.
- An entry is kept as long as a token issued before it can still be valid: the longest
  access-token lifetime (`access_token_max_seconds`; the verifier refuses a token that claims
  a longer one) plus a margin for clocks.
- A replica that starts or reconnects binds its queue first, then asks identity for the
  revocations of that window (`ListRevocations`), so that nothing committed in between is
  missed: what committed before the answer is in it, what commits after is published after
  the queue was bound. Until the first answer arrives the list is not current: readiness is
  false and a request with a token is answered 503 with Retry-After, never served as if
  nothing had been revoked.
- A replica that loses the broker keeps serving with the list it has for a grace period
  (`revocation_outage_grace_seconds`, default 30): while the broker is down identity cannot
  publish a revocation either (its outbox holds it), so refusing every signed-in request of
  the platform for a broker blip would buy nothing; past the grace the list is not current
  (503, not ready). Back on the broker it catches up as at a start.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from pydantic import ValidationError

from shared.auth import Principal
from shared.backoff import backoff_delay
from shared.bus.connection import Bus
from shared.bus.rpc import Retry, RpcClient
from shared.bus.topology import REVOCATIONS
from shared.errors import Unauthorized
from shared.events.base import Envelope, UnknownMessage
from shared.events.identity import (
    ListRevocations,
    Revocations,
    SessionRevoked,
    TokensRevoked,
)
from shared.replicas import NotCaughtUp

log = logging.getLogger(__name__)

ROUTING_KEYS = (SessionRevoked.type, TokensRevoked.type)
# Clocks of identity and of the verifying replica may differ a little.
CLOCK_MARGIN_SECONDS = 60.0
SIGNED_OUT = "The session has been signed out."

CatchUp = Callable[[datetime], Awaitable[Revocations]]


class DenyList:
    """Revoked sessions and people, each kept `retention` seconds after its revocation.

    Pure: the caller passes `now` (epoch seconds). A token is refused when its session was
    revoked, or its person at its firm had every token issued up to a time revoked and the
    token's `iat` is not later. `iat` is whole seconds, so a token issued in the very second of
    such a revocation is refused too (the safe side: its holder signs in again a second later).
    """

    def __init__(self, retention: float, *, outage_grace: float = 0.0) -> None:
        self.retention = retention
        self.outage_grace = outage_grace
        self._caught_up_once = False
        self._behind_since: float | None = None
        self._sessions: dict[UUID, float] = {}
        self._people: dict[tuple[UUID, UUID], float] = {}
        self._pruned = float("-inf")

    def caught_up(self) -> None:
        self._caught_up_once = True
        self._behind_since = None

    def fell_behind(self, now: float) -> None:
        """Live revocations stopped arriving (the broker was lost) at `now`."""
        if self._behind_since is None:
            self._behind_since = now

    def current_at(self, now: float) -> bool:
        """Whether tokens may be judged by this list: caught up at least once, and not behind
        for longer than the outage grace."""
        if not self._caught_up_once:
            return False
        return self._behind_since is None or now - self._behind_since < self.outage_grace

    @property
    def current(self) -> bool:
        return self.current_at(time.time())

    def __len__(self) -> int:
        return len(self._sessions) + len(self._people)

    def deny_session(self, session_id: UUID, revoked_at: float, now: float) -> None:
        self._sessions[session_id] = max(revoked_at, self._sessions.get(session_id, revoked_at))
        self._prune(now)

    def deny_person(self, firm_id: UUID, person_id: UUID, issued_before: float, now: float) -> None:
        key = (firm_id, person_id)
        self._people[key] = max(issued_before, self._people.get(key, issued_before))
        self._prune(now)

    def apply(self, revocations: Revocations, now: float) -> None:
        for session in revocations.sessions:
            self.deny_session(session.session_id, session.revoked_at.timestamp(), now)
        for tokens in revocations.tokens:
            self.deny_person(
                tokens.firm_id, tokens.person_id, tokens.issued_before.timestamp(), now
            )

    def refuses(
        self, *, session_id: UUID | None, firm_id: UUID, person_id: UUID, issued_at: int, now: float
    ) -> bool:
        """Whether a token with these claims has been revoked (expired entries never refuse)."""
        horizon = now - self.retention
        revoked = self._sessions.get(session_id) if session_id is not None else None
        if revoked is not None and revoked > horizon:
            return True
        before = self._people.get((firm_id, person_id))
        return before is not None and before > horizon and issued_at <= before

    def check(self, principal: Principal) -> None:
        """The verifier's question: raise if this principal's token may not be served."""
        if not self.current:
            raise NotCaughtUp(
                "This server is catching up on signed-out sessions; try again shortly."
            )
        if self.refuses(
            session_id=principal.session_id,
            firm_id=principal.firm_id,
            person_id=principal.user_id,
            issued_at=principal.issued_at,
            now=time.time(),
        ):
            raise Unauthorized(SIGNED_OUT)

    def _prune(self, now: float) -> None:
        """Forget entries past retention, at most once a minute (a scan of both maps)."""
        if now - self._pruned < 60:
            return
        self._pruned = now
        horizon = now - self.retention
        self._sessions = {k: at for k, at in self._sessions.items() if at > horizon}
        self._people = {k: at for k, at in self._people.items() if at > horizon}


def retention_seconds(access_token_max_seconds: float) -> float:
    return access_token_max_seconds + CLOCK_MARGIN_SECONDS


def asking_identity(rpc: RpcClient, timeout: float = 5.0) -> CatchUp:
    """Catching up by RPC to identity, which answers from its database."""

    async def catch_up(since: datetime) -> Revocations:
        request = ListRevocations(idempotency_key=str(uuid.uuid4()), since=since)
        reply = await rpc.call(request, firm_id=None, actor=None, retry=Retry(timeout=timeout))
        assert isinstance(reply, Revocations)
        return reply

    return catch_up


class RevocationFeed:
    """Keeps one replica's deny list current: its own queue for live revocations, and a
    catch-up on every (re)connection, retried with backoff until it is answered."""

    def __init__(self, bus: Bus, deny: DenyList, catch_up: CatchUp, *, retry_cap: float = 5.0):
        self.bus = bus
        self.deny = deny
        self.catch_up = catch_up
        self.retry_cap = retry_cap
        self.queue = f"{bus.names.queue(bus.name, REVOCATIONS)}.{uuid.uuid4().hex[:12]}"
        self._caught_up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        bus.on_connect(self._start)

    async def _start(self, connection: AbstractConnection) -> None:
        self._behind()
        channel = await connection.channel()
        queue = await channel.declare_queue(
            self.queue, exclusive=True, auto_delete=True, durable=False
        )
        for key in ROUTING_KEYS:
            await queue.bind(self.bus.names.events, routing_key=key)
        await queue.consume(self._on_message, no_ack=True)
        self.bus.watch(channel)
        # The bus tears the connection down when any of its channels closes: this one closing
        # is the moment live revocations stop arriving.
        channel.close_callbacks.add(lambda *_: self._behind())
        self._task = asyncio.create_task(self._catch_up(), name=f"revocations:{self.bus.name}")

    def _behind(self) -> None:
        self.deny.fell_behind(time.time())
        self._caught_up.clear()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _catch_up(self) -> None:
        attempt = 0
        while True:
            now = time.time()
            since = datetime.fromtimestamp(now - self.deny.retention, UTC)
            try:
                found = await self.catch_up(since)
            except Exception as exc:
                attempt += 1
                log.warning("revocation catch-up failed (%s); retry %d", exc, attempt)
                await asyncio.sleep(backoff_delay(attempt, 0.2, self.retry_cap))
                continue
            self.deny.apply(found, time.time())
            self.deny.caught_up()
            self._caught_up.set()
            log.info("revocations caught up: %d in the last %s", len(self.deny), _window(since))
            return

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            body = Envelope.model_validate_json(message.body)
            event = body.open()
        except (ValidationError, UnknownMessage) as exc:
            log.error("unreadable revocation %s ignored: %s", message.message_id, exc)
            return
        self.apply(event, body.firm_id)

    def apply(self, event: Any, firm_id: UUID | None) -> None:
        now = time.time()
        if isinstance(event, SessionRevoked):
            self.deny.deny_session(event.session_id, event.revoked_at.timestamp(), now)
        elif isinstance(event, TokensRevoked) and firm_id is not None:
            self.deny.deny_person(firm_id, event.person_id, event.issued_before.timestamp(), now)

    async def wait_current(self, timeout: float) -> bool:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._caught_up.wait(), timeout)
        return self.deny.current

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


def _window(since: datetime) -> timedelta:
    return datetime.now(UTC) - since
