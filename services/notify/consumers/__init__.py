"""What notify takes from the bus, as tables of message type → handler.

Every handler runs in the kit's idempotent-consumer transaction: the message id enters the
inbox with the handler's effects, so a redelivered message changes nothing. The kit hands
every handler notify's dependencies as `deps` (those that send something use its settings
and templates).
"""

from collections.abc import Mapping

from services.notify.consumers import commands, messages, notices, replica, requests
from shared.bus import Handler
from shared.events.base import Command, Event

EVENT_HANDLERS: Mapping[type[Event], Handler] = {
    **replica.HANDLERS,
    **notices.HANDLERS,
    **requests.HANDLERS,
    **messages.HANDLERS,
}
COMMAND_HANDLERS: Mapping[type[Command], Handler] = commands.HANDLERS
