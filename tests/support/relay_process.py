"""An outbox relay in its own process, so a test can SIGKILL it.

`python -m tests.support.relay_process DSN AMQP_URL NAMESPACE`
"""

import asyncio
import sys

from shared.bus import Bus, BusNames, OutboxRelay
from shared.database import Database


async def main(dsn: str, amqp_url: str, namespace: str) -> None:
    db = await Database.connect(dsn)
    bus = Bus(amqp_url, BusNames(namespace), name="relay-process")
    await bus.start(wait=None)
    relay = OutboxRelay(db, bus, dsn, batch_size=50)
    await relay.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
