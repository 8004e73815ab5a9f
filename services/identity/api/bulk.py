"""Portal access for many contacts at once, with a result per contact.

Invitations are scheduled, never sent inside the request: the job sends them in batches, so a
thousand contacts do not become a burst of mail. Each contact is its own savepoint, so one
refusal does not undo the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from services.identity import invitations
from services.identity.access import require_client, require_contact
from services.identity.api.contacts import grant
from services.identity.clock import now
from services.identity.models import PortalStatus, Strict
from services.identity.settings import IdentitySettings
from services.identity.store import clients
from shared.auth import Principal
from shared.database import Connection
from shared.errors import DomainError, Invalid
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("contacts")


class BulkAccessIn(Strict):
    contact_ids: list[UUID] = Field(default_factory=list, max_length=1000)
    client_ids: list[UUID] = Field(default_factory=list, max_length=200)
    send_at: datetime | None = Field(None, description="When invitations go; default now.")


class BulkItem(BaseModel):
    contact_id: UUID | None = None
    client_id: UUID | None = None
    ok: bool
    status: PortalStatus | None = None
    detail: str | None = None
    field: str | None = None


class BulkAccess(BaseModel):
    results: list[BulkItem]


@api.post(
    "/api/v1/portal-access",
    summary="Switch portal access on for many contacts, or all contacts of many clients",
    access="staff",
    body=BulkAccessIn,
    response=BulkAccess,
    errors=(422,),
)
async def bulk_grant(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: BulkAccessIn
) -> BulkAccess:
    if not body.contact_ids and not body.client_ids:
        raise Invalid("Name contacts or clients.", field="contact_ids")
    results: list[BulkItem] = []
    async with deps.db.transaction() as conn:
        wanted = list(dict.fromkeys(body.contact_ids))
        for client_id in dict.fromkeys(body.client_ids):
            found = await _contacts_of(conn, principal, client_id)
            if isinstance(found, BulkItem):
                results.append(found)
            else:
                wanted += [c for c in found if c not in wanted]
        for contact_id in wanted:
            item = await grant_one(deps.settings, conn, principal, contact_id, body.send_at)
            results.append(item)
    return BulkAccess(results=results)


async def _contacts_of(
    conn: Connection, principal: Principal, client_id: UUID
) -> list[UUID] | BulkItem:
    """A client's contacts; a company with none cannot have portal access switched on."""
    try:
        client = await require_client(conn, principal, client_id)
    except DomainError as error:
        return BulkItem(client_id=client_id, ok=False, detail=error.detail)
    found = await clients.list_relationships(conn, principal.firm_id, client.id)
    linked = [r.contact_id for r in found]
    if not linked:
        detail = "Link at least one contact to the client first."
        return BulkItem(client_id=client_id, ok=False, detail=detail, field="client_ids")
    return linked


async def grant_one(
    settings: IdentitySettings,
    conn: Connection,
    principal: Principal,
    contact_id: UUID,
    send_at: datetime | None,
) -> BulkItem:
    try:
        async with conn.transaction():
            contact = await require_contact(conn, principal, contact_id, lock=True)
            await grant(settings, conn, principal, contact, send_at, send_now=False)
            contact = await require_contact(conn, principal, contact_id)
            access = await invitations.access_of(conn, contact, now())
    except DomainError as error:
        return BulkItem(contact_id=contact_id, ok=False, detail=error.detail, field=error.field)
    return BulkItem(contact_id=contact_id, ok=True, status=access.status)
