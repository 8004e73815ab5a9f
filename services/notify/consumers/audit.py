"""The audit log hears every firm-side event: each of notify's other handlers is followed by
recording the event, and every other audited type is recorded alone (which binds notify's
events queue to it). Recording comes last in the transaction, so the firm's chain stays
locked only for the insert."""

from collections.abc import Mapping

from services.notify import auditing
from services.notify.audit_trail import audited
from shared.bus import Handler
from shared.database import Connection
from shared.events import catalog
from shared.events.base import Envelope, Event


async def record(conn: Connection, _event: Event, envelope: Envelope, **_: object) -> None:
    await auditing.record(conn, envelope)


def then_record(handler: Handler) -> Handler:
    async def handled_and_recorded(
        conn: Connection, event: Event, envelope: Envelope, **deps: object
    ) -> None:
        await handler(conn, event, envelope, **deps)
        await auditing.record(conn, envelope)

    handled_and_recorded.__name__ = f"{getattr(handler, '__name__', 'handler')}_then_record"
    return handled_and_recorded


def recorded(handlers: Mapping[type[Event], Handler]) -> dict[type[Event], Handler]:
    """`handlers`, each also recording its event where audited, plus a recording handler for
    every audited event type of the catalog that none of them handles."""
    table: dict[type[Event], Handler] = {
        kind: then_record(handler) if audited(kind.type) else handler
        for kind, handler in handlers.items()
    }
    for kind in catalog():
        if issubclass(kind, Event) and audited(kind.type) and kind not in table:
            table[kind] = record
    return table
