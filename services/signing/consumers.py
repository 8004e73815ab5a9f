"""Identity's events kept as the replicas that decide who may see what. Each must name its firm
(`Envelope.require_firm`): one that does not is refused and dead-lettered, never applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from services.signing.store import replicas
from shared.database import Connection
from shared.events.base import Envelope, Event
from shared.events.identity import ContactLinked, ContactUnlinked, StaffAssigned, StaffUnassigned
from shared.service import Handles

if TYPE_CHECKING:
    from services.signing.app import SigningDeps


async def staff_assigned(
    conn: Connection, event: StaffAssigned, envelope: Envelope, *, deps: SigningDeps
) -> None:
    await replicas.upsert_assignment(
        conn, envelope.require_firm(), event.staff_id, event.client_id, True, envelope.occurred_at
    )


async def staff_unassigned(
    conn: Connection, event: StaffUnassigned, envelope: Envelope, *, deps: SigningDeps
) -> None:
    await replicas.upsert_assignment(
        conn, envelope.require_firm(), event.staff_id, event.client_id, False, envelope.occurred_at
    )


async def contact_linked(
    conn: Connection, event: ContactLinked, envelope: Envelope, *, deps: SigningDeps
) -> None:
    await replicas.upsert_relationship(
        conn, envelope.require_firm(), event.contact_id, event.client_id, True, envelope.occurred_at
    )


async def contact_unlinked(
    conn: Connection, event: ContactUnlinked, envelope: Envelope, *, deps: SigningDeps
) -> None:
    await replicas.upsert_relationship(
        conn,
        envelope.require_firm(),
        event.contact_id,
        event.client_id,
        False,
        envelope.occurred_at,
    )


HANDLERS: Mapping[type[Event], Handles] = {
    StaffAssigned: staff_assigned,
    StaffUnassigned: staff_unassigned,
    ContactLinked: contact_linked,
    ContactUnlinked: contact_unlinked,
}
