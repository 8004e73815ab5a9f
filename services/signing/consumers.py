"""Identity's events kept as the replicas that decide who may see what."""

from collections.abc import Mapping
from typing import Any

from services.signing.store import replicas
from shared.bus import Handler
from shared.database import Connection
from shared.events.base import Envelope, Event
from shared.events.identity import ContactLinked, ContactUnlinked, StaffAssigned, StaffUnassigned


def _firm(envelope: Envelope) -> Any:
    if envelope.firm_id is None:
        raise ValueError(f"{envelope.type} {envelope.id} names no firm")
    return envelope.firm_id


async def staff_assigned(conn: Connection, event: StaffAssigned, envelope: Envelope) -> None:
    await replicas.upsert_assignment(
        conn, _firm(envelope), event.staff_id, event.client_id, True, envelope.occurred_at
    )


async def staff_unassigned(conn: Connection, event: StaffUnassigned, envelope: Envelope) -> None:
    await replicas.upsert_assignment(
        conn, _firm(envelope), event.staff_id, event.client_id, False, envelope.occurred_at
    )


async def contact_linked(conn: Connection, event: ContactLinked, envelope: Envelope) -> None:
    await replicas.upsert_contact_link(
        conn, _firm(envelope), event.contact_id, event.client_id, True, envelope.occurred_at
    )


async def contact_unlinked(conn: Connection, event: ContactUnlinked, envelope: Envelope) -> None:
    await replicas.upsert_contact_link(
        conn, _firm(envelope), event.contact_id, event.client_id, False, envelope.occurred_at
    )


HANDLERS: Mapping[type[Event], Handler] = {
    StaffAssigned: staff_assigned,
    StaffUnassigned: staff_unassigned,
    ContactLinked: contact_linked,
    ContactUnlinked: contact_unlinked,
}
