"""Background work that wakes on PostgreSQL NOTIFY and polls as well, so a lost notice (or a
listener connection lost with a database restart) only delays it."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

import asyncpg

from shared.backoff import backoff_delay

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[bool]]


class NotifiedWorker:
    """Runs `step` in `loops` tasks: again at once while it reports more work waiting, else
    after a NOTIFY on `channel` or `poll_seconds`, whichever comes first; with backoff after
    a failure."""

    def __init__(
        self, *, name: str, dsn: str, channel: str, step: Step, poll_seconds: float, loops: int = 1
    ) -> None:
        self.name = name
        self.dsn = dsn
        self.channel = channel
        self.step = step
        self.poll_seconds = poll_seconds
        self.loops = loops
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{self.name}-{n}") for n in range(self.loops)
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
                more = await self.step()
                failures = 0
            except Exception as exc:
                failures += 1
                # The type only: an error's text may carry what it was working on (recipients).
                log.warning("%s failed (%s); retry %d", self.name, type(exc).__name__, failures)
                await asyncio.sleep(backoff_delay(failures, 0.2, 5.0))
                continue
            if not more:
                await self._sleep()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self.dsn)
        await self._listener.add_listener(self.channel, lambda *_: self._wake.set())

    async def _sleep(self) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        self._wake.clear()
