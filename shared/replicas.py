"""The moment right after a change at identity: it has committed a firm, a client or a
contact's access (and may already have issued a token that names it), while the event that
tells the other services is still on its way to their replicas.

A lookup in a replica that finds nothing then waits briefly for the event, instead of saying
that the thing does not exist; what a valid token proves exists (the caller's firm, a contact's
own client) and is still missing after the wait is answered 503 with Retry-After (`NotCaughtUp`),
never 404. The handler's transaction is READ COMMITTED, so each look sees what has committed
since the last."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.errors import Unavailable

T = TypeVar("T")
POLL_SECONDS = 0.05


class NotCaughtUp(Unavailable):
    title = "Not caught up yet"


async def waited_for(look: Callable[[], Awaitable[T]], seconds: float) -> T:
    """What `look()` finds, looking again while it finds nothing (None, False) until `seconds`
    have passed; then that nothing."""
    deadline = time.monotonic() + seconds
    found = await look()
    while not found and time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        found = await look()
    return found
