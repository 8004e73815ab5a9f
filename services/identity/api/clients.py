"""Clients (the firm's customers) and which contacts belong to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web

from services.identity.access import (
    require_client,
    require_contact,
    require_firm,
    require_firm_contact,
)
from services.identity.api.contacts import (
    contact_out,
    created_contact,
    default_access,
    link,
    no_duplicate_contact,
    unique_violation,
)
from services.identity.clock import now
from services.identity.domain import check_one_primary, clean_contact
from services.identity.models import (
    Client,
    ClientIn,
    ClientPage,
    ClientQuery,
    ClientUpdate,
    CreatedClient,
    LinkIn,
    NewClient,
    Relationship,
    RelationshipList,
)
from services.identity.store import clients
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Invalid, NotFound
from shared.events.identity import ClientArchived, ClientCreated, ClientUpdated, ContactUnlinked
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("clients")


@api.post(
    "/api/v1/clients",
    summary="Create a client, optionally with its primary contact and further users",
    access="staff",
    roles=ADMIN_ROLES,
    body=ClientIn,
    response=CreatedClient,
    status=201,
    errors=(403, 422),
)
async def create_client(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: ClientIn
) -> CreatedClient:
    check_one_primary([c.primary for c in body.contacts], "contacts")
    _no_repeats(body)
    try:
        async with deps.db.transaction() as conn:
            return await _create(deps, conn, principal, body)
    except asyncpg.UniqueViolationError as error:
        raise unique_violation(error, "contacts.") from None


async def _create(
    deps: IdentityDeps, conn: Connection, principal: Principal, body: ClientIn
) -> CreatedClient:
    firm = await require_firm(conn, principal)
    number = body.organisation_number.strip() if body.organisation_number else None
    new = NewClient(
        firm_id=firm.id, kind=body.kind, name=body.name.strip(), organisation_number=number
    )
    client = await clients.insert_client(conn, new)
    created = ClientCreated(
        client_id=client.id, kind=client.kind, name=client.name, organisation_number=number
    )
    await put(conn, created, firm_id=firm.id, actor=principal.user_id)
    people = []
    for index, given in enumerate(body.contacts):
        prefix = f"contacts.{index}."
        cleaned = clean_contact(
            given.model_dump(), firm.country, firm.default_language, now().date(), prefix
        )
        fields = deps.numbers.stored(firm.id, cleaned)
        await no_duplicate_contact(conn, firm.id, fields, prefix, client.id)
        contact = await created_contact(conn, principal, fields)
        roles = LinkIn(roles=given.roles, primary=given.primary)
        await link(conn, principal, client.id, contact.id, roles)
        contact = await default_access(deps.settings, conn, principal, contact)
        people.append(contact_out(contact))
    return CreatedClient(**client.model_dump(), contacts=people)


def _no_repeats(body: ClientIn) -> None:
    seen: set[str] = set()
    for index, contact in enumerate(body.contacts):
        key = (contact.email or "").strip().lower()
        if key and key in seen:
            raise Invalid("Two contacts share this email.", field=f"contacts.{index}.email")
        seen.add(key)


@api.get(
    "/api/v1/clients",
    summary="Search the clients I may see, a page at a time",
    access="staff",
    query=ClientQuery,
    response=ClientPage,
    errors=(422,),
)
async def list_clients(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, query: ClientQuery
) -> ClientPage:
    staff_id = None if principal.sees_every_client else principal.user_id
    async with deps.db.transaction(readonly=True) as conn:
        items, total = await clients.list_clients(
            conn, principal.firm_id, staff_id=staff_id, q=query.q, archived=query.archived,
            limit=query.limit, offset=query.offset,
        )  # fmt: skip
    return ClientPage(items=items, total=total, limit=query.limit, offset=query.offset)


@api.get(
    "/api/v1/clients/{client_id}",
    summary="One client",
    access="staff",
    response=Client,
    errors=(404,),
)
async def get_client(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> Client:
    async with deps.db.transaction(readonly=True) as conn:
        return await require_client(conn, principal, path_uuid(request, "client_id"))


@api.patch(
    "/api/v1/clients/{client_id}",
    summary="Change a client's name or organisation number",
    access="staff",
    body=ClientUpdate,
    response=Client,
    errors=(404, 422),
)
async def update_client(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: ClientUpdate
) -> Client:
    async with deps.db.transaction() as conn:
        client = await require_client(conn, principal, path_uuid(request, "client_id"))
        fields = body.model_dump(exclude_unset=True)
        name = (fields.get("name") or client.name).strip()
        number = fields.get("organisation_number", client.organisation_number)
        client = await clients.update_client(conn, principal.firm_id, client.id, name, number)
        event = ClientUpdated(client_id=client.id, name=name, organisation_number=number)
        await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    return client


@api.post(
    "/api/v1/clients/{client_id}/archive",
    summary="Archive a client (it leaves searches and its contacts' portals)",
    access="staff",
    roles=ADMIN_ROLES,
    response=Client,
    errors=(403, 404),
)
async def archive_client(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> Client:
    async with deps.db.transaction() as conn:
        client = await require_client(conn, principal, path_uuid(request, "client_id"))
        if await clients.archive_client(conn, principal.firm_id, client.id):
            event = ClientArchived(client_id=client.id)
            await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    return client.model_copy(update={"archived": True})


@api.get(
    "/api/v1/clients/{client_id}/contacts",
    summary="The client's contacts with their roles",
    access="staff",
    response=RelationshipList,
    errors=(404,),
)
async def list_links(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> RelationshipList:
    async with deps.db.transaction(readonly=True) as conn:
        client = await require_client(conn, principal, path_uuid(request, "client_id"))
        found = await clients.list_relationships(conn, principal.firm_id, client.id)
        return RelationshipList(items=found)


@api.put(
    "/api/v1/clients/{client_id}/contacts/{contact_id}",
    summary="Link a contact to the client, or change their roles there",
    access="staff",
    body=LinkIn,
    response=Relationship,
    errors=(404, 422),
)
async def put_link(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: LinkIn
) -> Relationship:
    async with deps.db.transaction() as conn:
        client = await require_client(conn, principal, path_uuid(request, "client_id"))
        contact = await require_firm_contact(conn, principal, path_uuid(request, "contact_id"))
        return await link(conn, principal, client.id, contact.id, body)


@api.delete(
    "/api/v1/clients/{client_id}/contacts/{contact_id}",
    summary="Unlink a contact from the client",
    access="staff",
    status=204,
    errors=(404,),
)
async def unlink(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        client = await require_client(conn, principal, path_uuid(request, "client_id"))
        contact = await require_contact(conn, principal, path_uuid(request, "contact_id"))
        if not await clients.delete_relationship(conn, principal.firm_id, client.id, contact.id):
            raise NotFound("This contact is not linked to the client.")
        event = ContactUnlinked(contact_id=contact.id, client_id=client.id)
        await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
