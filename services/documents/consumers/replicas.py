"""Identity's facts, kept as replicas.

Handlers pass the envelope's `occurred_at` down, and the store applies a fact only if it is
not older than the row, so events may arrive late, twice, or out of order. A fact that names
no firm is refused (dead-lettered), never applied to no firm.
"""

from typing import Any

from services.documents.models import (
    NewAssignment,
    NewClient,
    NewContact,
    NewPortalAccess,
    NewRelationship,
)
from services.documents.store import replicas
from shared.database import Connection
from shared.events.base import Envelope
from shared.events.identity import (
    ClientArchived,
    ContactLinked,
    ContactUnlinked,
    PortalAccessGranted,
    StaffAssigned,
)

# The kit hands every handler the service's dependencies as `deps`; replicas need none of them.


async def client_known(conn: Connection, event: Any, envelope: Envelope, *, deps: object) -> None:
    await replicas.upsert_client(
        conn,
        NewClient(
            firm_id=envelope.require_firm(), client_id=event.client_id, name=event.name,
            archived=False, changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip


async def client_archived(
    conn: Connection, event: ClientArchived, envelope: Envelope, *, deps: object
) -> None:
    await replicas.upsert_client(
        conn,
        NewClient(
            firm_id=envelope.require_firm(), client_id=event.client_id, name=None,
            archived=True, changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip


async def assignment(conn: Connection, event: Any, envelope: Envelope, *, deps: object) -> None:
    await replicas.upsert_assignment(
        conn,
        NewAssignment(
            firm_id=envelope.require_firm(), staff_id=event.staff_id, client_id=event.client_id,
            assigned=isinstance(event, StaffAssigned), changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip


async def contact_known(conn: Connection, event: Any, envelope: Envelope, *, deps: object) -> None:
    name = f"{event.first_name} {event.last_name}".strip()
    await replicas.upsert_contact(
        conn,
        NewContact(
            firm_id=envelope.require_firm(), contact_id=event.contact_id, name=name,
            changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip


async def portal_access(conn: Connection, event: Any, envelope: Envelope, *, deps: object) -> None:
    await replicas.upsert_portal_access(
        conn,
        NewPortalAccess(
            firm_id=envelope.require_firm(), contact_id=event.contact_id,
            granted=isinstance(event, PortalAccessGranted), changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip


async def linked(
    conn: Connection, event: ContactLinked, envelope: Envelope, *, deps: object
) -> None:
    await replicas.upsert_relationship(
        conn,
        NewRelationship(
            firm_id=envelope.require_firm(), contact_id=event.contact_id,
            client_id=event.client_id, linked=True, primary=event.primary,
            roles=list(event.roles), changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip


async def unlinked(
    conn: Connection, event: ContactUnlinked, envelope: Envelope, *, deps: object
) -> None:
    await replicas.upsert_relationship(
        conn,
        NewRelationship(
            firm_id=envelope.require_firm(), contact_id=event.contact_id,
            client_id=event.client_id, linked=False, primary=False, roles=[],
            changed_at=envelope.occurred_at,
        ),
    )  # fmt: skip
