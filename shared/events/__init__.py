"""The event catalog: one module per producing service, all registered on import."""

from shared.events import billing, documents, identity, notify, signing
from shared.events.base import (
    Command,
    Envelope,
    Event,
    Message,
    Reply,
    Request,
    UnknownMessage,
    catalog,
    lookup,
    message,
)

__all__ = [
    "Command",
    "Envelope",
    "Event",
    "Message",
    "Reply",
    "Request",
    "UnknownMessage",
    "billing",
    "catalog",
    "documents",
    "identity",
    "lookup",
    "message",
    "notify",
    "signing",
]
