"""The audit log hears every firm-side event: a recording handler for every audited type of
the catalog (which binds notify's events queue to it). It comes last in the table's order
(consumers/__init__), so after notify's other handlers of that type in the same transaction,
and the firm's chain stays locked only for the insert."""

from collections.abc import Mapping

from services.notify import auditing
from services.notify.audit_trail import audited
from shared.database import Connection
from shared.events import catalog
from shared.events.base import Envelope, Event
from shared.service import Handles


async def record(conn: Connection, _event: Event, envelope: Envelope, *, deps: object) -> None:
    await auditing.record(conn, envelope)


HANDLERS: Mapping[type[Event], Handles] = {
    kind: record for kind in catalog() if issubclass(kind, Event) and audited(kind.type)
}
