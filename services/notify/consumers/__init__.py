"""What notify takes from the bus, as tables of message type → handler.

Every handler runs in the kit's idempotent-consumer transaction: the message id enters the
inbox with the handler's effects, so a redelivered message changes nothing. Handlers that
send something are bound to this process's `Tools` (settings and templates).
"""

from functools import partial

from services.notify.consumers import commands, notices, replica
from services.notify.fanout import Tools
from shared.bus import Handler
from shared.events.base import Command, Event


def event_handlers(tools: Tools) -> dict[type[Event], Handler]:
    bound = {kind: partial(handler, tools=tools) for kind, handler in notices.HANDLERS.items()}
    return {**replica.HANDLERS, **bound}  # type: ignore[dict-item]


def command_handlers(tools: Tools) -> dict[type[Command], Handler]:
    return {kind: partial(handler, tools=tools) for kind, handler in commands.HANDLERS.items()}  # type: ignore[misc]
