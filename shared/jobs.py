"""Periodic jobs in every replica; each job makes itself replica-safe (SKIP LOCKED rows or
an advisory lock), so running it everywhere only adds availability."""

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]


class Scheduler:
    def __init__(self, jobs: Sequence[Periodic]) -> None:
        self.jobs = list(jobs)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task

    async def _loop(self, job: Periodic) -> None:
        while True:
            # Jitter keeps replicas started together from firing in lockstep.
            await asyncio.sleep(job.every_seconds * random.uniform(0.8, 1.2))
            try:
                await job.run()
            except Exception:
                log.exception("job %s failed", job.name)
