"""Test messages, a bus and a kit database for the kit's own tests (what reaches the broker is
read with tests/support/capture.py)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

from shared.bus import Bus, BusNames
from shared.database import KIT_MIGRATIONS, Database, migrate
from shared.events.base import Event, Reply, Request, message


@message("test.widget.made", 1)
class WidgetMade(Event):
    """A test-only event."""

    n: int


class Total(Reply):
    total: int


@message("test.counter.add", 1, target="counter")
class AddToCounter(Request):
    reply: ClassVar[type[Reply]] = Total
    amount: int


@message("test.ghost.ask", 1, target="ghost")
class AskGhost(Request):
    reply: ClassVar[type[Reply]] = Total


@asynccontextmanager
async def running_bus(url: str, names: BusNames, name: str = "test") -> AsyncIterator[Bus]:
    bus = Bus(url, names, name=name, publish_timeout=5.0)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()


@asynccontextmanager
async def kit_database(dsn: str) -> AsyncIterator[Database]:
    await migrate(dsn, [("kit", KIT_MIGRATIONS)])
    db = await Database.connect(dsn)
    try:
        yield db
    finally:
        await db.close()


async def stage_widgets(db: Database, numbers: range) -> None:
    from shared.bus import put

    async with db.transaction() as conn:
        for n in numbers:
            await put(conn, WidgetMade(n=n), firm_id=None, actor=None)


async def settle(seconds: float = 0.5) -> None:
    """Give a message that should NOT arrive the time it would need to. Only where nothing
    marks that it would have (notify's digest job running again); elsewhere wait on a signal:
    `World.all_published()`, notify's `delivered()`, `Capture.caught_up()`."""
    await asyncio.sleep(seconds)
