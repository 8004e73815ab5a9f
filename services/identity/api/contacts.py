"""Contacts (the customers' people), their links to clients, and their portal access."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg
from aiohttp import web

from services.identity import invitations
from services.identity.access import (
    require_client,
    require_contact,
    require_firm,
    require_firm_contact_by_email,
)
from services.identity.clock import now
from services.identity.domain import clean_contact, normal_email
from services.identity.models import (
    Contact,
    ContactDetails,
    ContactIn,
    ContactLookup,
    ContactMatch,
    ContactOut,
    ContactUpdate,
    LinkIn,
    NewContact,
    NewRelationship,
    PortalAccess,
    PortalAccessIn,
    Relationship,
    ResendIn,
)
from services.identity.revocations import revoke_person
from services.identity.settings import IdentitySettings
from services.identity.store import clients, contacts, portal
from shared.auth import Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Conflict, Invalid, NotFound
from shared.events.identity import (
    ContactCreated,
    ContactLinked,
    ContactUpdated,
    PortalAccessGranted,
    PortalAccessRevoked,
)
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("contacts")


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        **contact.model_dump(include=set(ContactOut.model_fields) - {"has_personal_number"}),
        has_personal_number=contact.has_personal_number,
    )


async def no_duplicate_contact(
    conn: Connection, firm_id: UUID, fields: ContactDetails, prefix: str, not_id: UUID
) -> None:
    """Within a firm one contact record per person: same email or personal number is refused."""
    clash = await contacts.find_duplicate(
        conn, firm_id, fields.email, fields.personal_number_digest, not_id
    )
    if clash is not None:
        raise Invalid(
            f"Another contact of the firm already has this {clash}.", field=prefix + clash
        )


def unique_violation(error: asyncpg.UniqueViolationError, prefix: str = "") -> Invalid:
    """A concurrent insert won the race the checks above lost; say which field clashed."""
    constraint = error.constraint_name or ""
    field = "personal_number" if "personal_number" in constraint else "email"
    return Invalid(f"Another record already has this {field}.", field=prefix + field)


async def created_contact(
    conn: Connection, principal: Principal, fields: ContactDetails
) -> Contact:
    new = NewContact(firm_id=principal.firm_id, **fields.model_dump())
    contact = await contacts.insert_contact(conn, new)
    event = ContactCreated(**contact.public())
    await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    return contact


async def link(
    conn: Connection, principal: Principal, client_id: UUID, contact_id: UUID, body: LinkIn
) -> Relationship:
    """One primary per client: making this link primary makes the previous one plain."""
    if body.primary:
        await clients.clear_primary(conn, principal.firm_id, client_id, contact_id)
    new = NewRelationship(
        firm_id=principal.firm_id, client_id=client_id, contact_id=contact_id,
        roles=list(body.roles), primary=body.primary,
    )  # fmt: skip
    found = await clients.upsert_relationship(conn, new)
    event = ContactLinked(
        contact_id=contact_id, client_id=client_id, roles=found.roles, primary=found.primary
    )
    await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    return found


async def default_access(
    settings: IdentitySettings, conn: Connection, principal: Principal, contact: Contact
) -> Contact:
    """Firms that choose so give new contacts portal access (invited by the batch job)."""
    _methods, default = await portal.get_settings(conn, principal.firm_id)
    reachable = contact.email is not None or contact.has_personal_number
    linked = await clients.list_contact_clients(conn, contact.firm_id, contact.id)
    if not (default and reachable and linked):
        return contact
    await grant(settings, conn, principal, contact, None, send_now=False)
    return contact.model_copy(update={"portal_access": True})


@api.post(
    "/api/v1/contacts",
    summary="Create a contact, optionally linked to clients",
    access="staff",
    body=ContactIn,
    response=ContactOut,
    status=201,
    errors=(404, 422),
)
async def create_contact(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: ContactIn
) -> ContactOut:
    if not principal.sees_every_client and not body.clients:
        raise Invalid("Link the contact to one of your clients.", field="clients")
    try:
        async with deps.db.transaction() as conn:
            firm = await require_firm(conn, principal)
            cleaned = clean_contact(
                body.model_dump(exclude={"clients"}), firm.country, firm.default_language,
                now().date(),
            )  # fmt: skip
            fields = deps.numbers.stored(firm.id, cleaned)
            await no_duplicate_contact(conn, firm.id, fields, "", firm.id)
            contact = await created_contact(conn, principal, fields)
            await _link_all(conn, principal, contact.id, body)
            contact = await default_access(deps.settings, conn, principal, contact)
    except asyncpg.UniqueViolationError as error:
        raise unique_violation(error) from None
    return contact_out(contact)


async def _link_all(
    conn: Connection, principal: Principal, contact_id: UUID, body: ContactIn
) -> None:
    for index, wanted in enumerate(body.clients):
        try:
            await require_client(conn, principal, wanted.client_id)
        except NotFound:
            raise Invalid("No such client.", field=f"clients.{index}.client_id") from None
        await link(conn, principal, wanted.client_id, contact_id, wanted)


@api.get(
    "/api/v1/contacts",
    summary="The firm's contact with this email, to link instead of creating a second record",
    access="staff",
    query=ContactLookup,
    response=ContactMatch,
    errors=(404, 422),
)
async def find_contact(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, query: ContactLookup
) -> ContactMatch:
    email = normal_email(query.email)
    async with deps.db.transaction(readonly=True) as conn:
        contact = await require_firm_contact_by_email(conn, principal, email)
    return ContactMatch(id=contact.id, first_name=contact.first_name, last_name=contact.last_name)


@api.get(
    "/api/v1/contacts/{contact_id}",
    summary="One contact",
    access="staff",
    response=ContactOut,
    errors=(404,),
)
async def get_contact(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> ContactOut:
    async with deps.db.transaction(readonly=True) as conn:
        return contact_out(await require_contact(conn, principal, path_uuid(request, "contact_id")))


@api.patch(
    "/api/v1/contacts/{contact_id}",
    summary="Change a contact's details",
    access="staff",
    body=ContactUpdate,
    response=ContactOut,
    errors=(404, 422),
)
async def update_contact(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: ContactUpdate
) -> ContactOut:
    try:
        async with deps.db.transaction() as conn:
            contact = await require_contact(
                conn, principal, path_uuid(request, "contact_id"), lock=True
            )
            firm = await require_firm(conn, principal)
            changes = body.model_dump(exclude_unset=True)
            cleaned = clean_contact(
                contact.model_dump() | changes, firm.country, firm.default_language, now().date()
            )
            if "personal_number" not in changes:
                del cleaned["personal_number"]
            fields = deps.numbers.stored(firm.id, cleaned, keep=contact)
            await no_duplicate_contact(conn, firm.id, fields, "", contact.id)
            if fields.email != contact.email and not contact.registered:
                # An invitation is bound to the address it went to; a new one needs its own.
                await invitations.revoke(conn, principal.firm_id, contact_id=contact.id)
            contact = await contacts.update_contact(conn, principal.firm_id, contact.id, fields)
            event = ContactUpdated(**contact.public())
            await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    except asyncpg.UniqueViolationError as error:
        raise unique_violation(error) from None
    return contact_out(contact)


@api.get(
    "/api/v1/contacts/{contact_id}/portal-access",
    summary="Whether the contact may use the portal, and where their invitation stands",
    access="staff",
    response=PortalAccess,
    errors=(404,),
)
async def get_access(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> PortalAccess:
    async with deps.db.transaction(readonly=True) as conn:
        contact = await require_contact(conn, principal, path_uuid(request, "contact_id"))
        return await invitations.access_of(conn, contact, now())


@api.put(
    "/api/v1/contacts/{contact_id}/portal-access",
    summary="Switch portal access on (inviting now or at `send_at`) or off (ending sessions)",
    access="staff",
    body=PortalAccessIn,
    response=PortalAccess,
    errors=(404, 422),
)
async def put_access(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: PortalAccessIn
) -> PortalAccess:
    async with deps.db.transaction() as conn:
        contact = await require_contact(
            conn, principal, path_uuid(request, "contact_id"), lock=True
        )
        if body.enabled:
            await grant(deps.settings, conn, principal, contact, body.send_at)
        elif contact.portal_access:
            await _revoke(conn, principal, contact)
        contact = await require_contact(conn, principal, contact.id)
        return await invitations.access_of(conn, contact, now())


async def grant(
    settings: IdentitySettings, conn: Connection, principal: Principal, contact: Contact,
    send_at: datetime | None, *, send_now: bool = True,
) -> None:  # fmt: skip
    if contact.email is None and not contact.has_personal_number:
        # Without an email only eID can sign them in, and that needs the personal number.
        raise Invalid("The contact needs an email address to be invited.", field="email")
    if not await clients.list_contact_clients(conn, contact.firm_id, contact.id):
        raise Invalid("Link the contact to a client first.", field="clients")
    if contact.portal_access:
        return
    await contacts.set_portal_access(conn, contact.firm_id, contact.id, True)
    when = max(send_at or now(), now())
    event = PortalAccessGranted(contact_id=contact.id, invitation_send_at=when)
    await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    if not contact.registered and contact.email is not None:
        await _invite(settings, conn, principal, contact, when, send_now=send_now)


async def _invite(
    settings: IdentitySettings,
    conn: Connection,
    principal: Principal,
    contact: Contact,
    when: datetime,
    *,
    send_now: bool = True,
) -> None:
    invitation = await invitations.schedule(
        conn, principal.firm_id, contact_id=contact.id, send_at=when
    )
    if send_now and when <= now():
        await invitations.send_due(settings, conn, now(), only=invitation)


async def _revoke(conn: Connection, principal: Principal, contact: Contact) -> None:
    await contacts.set_portal_access(conn, contact.firm_id, contact.id, False)
    await revoke_person(conn, contact.firm_id, contact.id, principal.user_id)
    await invitations.revoke(conn, contact.firm_id, contact_id=contact.id)
    event = PortalAccessRevoked(contact_id=contact.id)
    await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)


@api.post(
    "/api/v1/contacts/{contact_id}/invitation",
    summary="Send the invitation again (now or at `send_at`); the earlier link stops working",
    access="staff",
    body=ResendIn,
    response=PortalAccess,
    errors=(404, 409, 422),
)
async def resend(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: ResendIn
) -> PortalAccess:
    async with deps.db.transaction() as conn:
        contact = await require_contact(
            conn, principal, path_uuid(request, "contact_id"), lock=True
        )
        if not contact.portal_access:
            raise Conflict("Switch portal access on first.")
        if contact.registered:
            raise Conflict("The contact has already registered.")
        when = max(body.send_at or now(), now())
        await _invite(deps.settings, conn, principal, contact, when)
        return await invitations.access_of(conn, contact, now())
