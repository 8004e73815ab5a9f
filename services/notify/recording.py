"""Delivery outcomes written by group commit: each sender waits until its own outcome is
stored (so its SMTP connection sends nothing else meanwhile), and the outcomes that arrive
while one write is in flight go together in the next, so recording each mail as its reply
arrives costs about one transaction per round trip, not one per mail."""

import asyncio

from services.notify.models import Outcome
from services.notify.store import deliveries
from shared.backoff import backoff_delay
from shared.database import CONNECTION_LOST, Database

# Tries to store outcomes over a database that dropped connections (about a minute): a sent
# mail whose outcome is lost goes out again when its lease ends.
ATTEMPTS = 15


class OutcomeRecorder:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outcome: Outcome) -> None:
        stored = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await stored

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write([outcome for outcome, _ in batch])
            except Exception as error:
                for _, stored in batch:
                    if not stored.done():  # its sender may have been cancelled (a stop)
                        stored.set_exception(error)
            else:
                for _, stored in batch:
                    if not stored.done():
                        stored.set_result(None)

    async def _write(self, outcomes: list[Outcome]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.db.transaction() as conn:
                    await deliveries.record_outcomes(conn, outcomes)
                return
            except CONNECTION_LOST:
                # A dropped connection mid-statement: the update is idempotent, try again.
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(backoff_delay(attempt, 0.2, 5.0))
