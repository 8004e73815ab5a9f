"""What documents takes from the bus: identity's facts (kept as replicas) and signing's RPCs.

Replica handlers pass the envelope's `occurred_at` down, and the store applies a fact only if
it is not older than the row, so events may arrive late, twice, or out of order.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from services.documents import signing
from services.documents.resources import Holder
from services.documents.store import replicas
from shared.database import Connection
from shared.events.base import Envelope, Event, Request
from shared.events.documents import OpenForSigning, StoreSignedDocument
from shared.events.identity import (
    ClientArchived,
    ClientCreated,
    ClientUpdated,
    ContactCreated,
    ContactLinked,
    ContactUnlinked,
    ContactUpdated,
    PortalAccessGranted,
    PortalAccessRevoked,
    StaffAssigned,
    StaffUnassigned,
)

log = logging.getLogger(__name__)


async def client_known(conn: Connection, event: Any, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    await replicas.upsert_client(
        conn, envelope.firm_id, event.client_id, event.name, False, envelope.occurred_at
    )


async def client_archived(conn: Connection, event: ClientArchived, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    await replicas.upsert_client(
        conn, envelope.firm_id, event.client_id, None, True, envelope.occurred_at
    )


async def assignment(conn: Connection, event: Any, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    await replicas.upsert_assignment(
        conn, envelope.firm_id, event.staff_id, event.client_id,
        isinstance(event, StaffAssigned), envelope.occurred_at,
    )  # fmt: skip


async def contact_known(conn: Connection, event: Any, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    name = f"{event.first_name} {event.last_name}".strip()
    await replicas.upsert_contact(
        conn, envelope.firm_id, event.contact_id, name, envelope.occurred_at
    )


async def portal_access(conn: Connection, event: Any, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    await replicas.upsert_portal_access(
        conn, envelope.firm_id, event.contact_id, isinstance(event, PortalAccessGranted),
        envelope.occurred_at,
    )  # fmt: skip


async def linked(conn: Connection, event: ContactLinked, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    await replicas.upsert_relationship(
        conn, envelope.firm_id, event.contact_id, event.client_id, linked=True,
        primary=event.primary, roles=list(event.roles), at=envelope.occurred_at,
    )  # fmt: skip


async def unlinked(conn: Connection, event: ContactUnlinked, envelope: Envelope) -> None:
    if envelope.firm_id is None:
        return
    await replicas.upsert_relationship(
        conn, envelope.firm_id, event.contact_id, event.client_id, linked=False,
        primary=False, roles=[], at=envelope.occurred_at,
    )  # fmt: skip


EVENT_HANDLERS: Mapping[type[Event], Callable[..., Awaitable[None]]] = {
    ClientCreated: client_known,
    ClientUpdated: client_known,
    ClientArchived: client_archived,
    StaffAssigned: assignment,
    StaffUnassigned: assignment,
    ContactCreated: contact_known,
    ContactUpdated: contact_known,
    ContactLinked: linked,
    ContactUnlinked: unlinked,
    PortalAccessGranted: portal_access,
    PortalAccessRevoked: portal_access,
}


def rpc_handlers(holder: Holder) -> Mapping[type[Request], Callable[..., Awaitable[Any]]]:
    return {
        OpenForSigning: partial(signing.open_for_signing, holder=holder),
        StoreSignedDocument: partial(signing.store_signed, holder=holder),
    }
