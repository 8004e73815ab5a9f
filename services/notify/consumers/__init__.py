"""What notify takes from the bus, as tables of message type → handler.

Every handler runs in the kit's idempotent-consumer transaction: the message id enters the
inbox with the handler's effects, so a redelivered message changes nothing. The kit hands
every handler notify's dependencies as `deps` (those that send something use its settings
and templates). A type several tables handle gets each effect in turn, in that transaction.
"""

from collections.abc import Mapping
from typing import Any

from services.notify.consumers import (
    audit,
    commands,
    messages,
    notices,
    replica,
    requests,
    webhooks,
)
from shared.database import Connection
from shared.events.base import Command, Envelope, Event
from shared.service import Handles


def _in_turn(*tables: Mapping[type[Event], Handles]) -> dict[type[Event], Handles]:
    """One handler per type, running every table's handler of that type in order."""
    merged: dict[type[Event], list[Handles]] = {}
    for table in tables:
        for kind, handler in table.items():
            merged.setdefault(kind, []).append(handler)
    return {kind: _each(handlers) for kind, handlers in merged.items()}


def _each(handlers: list[Handles]) -> Handles:
    if len(handlers) == 1:
        return handlers[0]

    async def handle(conn: Connection, message: Any, env: Envelope, /, *, deps: Any) -> None:
        for handler in handlers:
            await handler(conn, message, env, deps=deps)

    return handle


EVENT_HANDLERS: Mapping[type[Event], Handles] = _in_turn(
    replica.HANDLERS,
    notices.HANDLERS,
    requests.HANDLERS,
    messages.HANDLERS,
    webhooks.HANDLERS,
    audit.HANDLERS,
)
COMMAND_HANDLERS: Mapping[type[Command], Handles] = commands.HANDLERS
