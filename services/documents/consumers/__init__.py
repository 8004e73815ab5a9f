"""What documents takes from the bus, as tables: identity's facts (kept as replicas) and the
RPCs it serves to signing."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from services.documents.consumers import replicas, rpc
from shared.events.base import Event, Request
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

EVENT_HANDLERS: Mapping[type[Event], Callable[..., Awaitable[None]]] = {
    ClientCreated: replicas.client_known,
    ClientUpdated: replicas.client_known,
    ClientArchived: replicas.client_archived,
    StaffAssigned: replicas.assignment,
    StaffUnassigned: replicas.assignment,
    ContactCreated: replicas.contact_known,
    ContactUpdated: replicas.contact_known,
    ContactLinked: replicas.linked,
    ContactUnlinked: replicas.unlinked,
    PortalAccessGranted: replicas.portal_access,
    PortalAccessRevoked: replicas.portal_access,
}

RPC_HANDLERS: Mapping[type[Request], Callable[..., Awaitable[Any]]] = {
    OpenForSigning: rpc.open_for_signing,
    StoreSignedDocument: rpc.store_signed,
}
