"""Keeping the replica: people, firms (and their branding) and clients from identity; folder
names from documents; who started a signing and its parties from signing. Every write is keyed
on the envelope's `occurred_at`, so a late, older event changes nothing. They take the kit's
`deps` like every handler and need none of it."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from services.notify.domain import Person
from services.notify.models import Brand, Relationship, Signing, StaffAssignment
from services.notify.store import branding, replicas
from shared.database import Connection
from shared.events import documents, identity, signing
from shared.events.base import Envelope, Event
from shared.service import Handles

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


async def firm_created(
    conn: Connection, e: identity.FirmCreated, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await replicas.upsert_firm(conn, e.firm_id, e.name, e.default_language, env.occurred_at)


async def firm_updated(
    conn: Connection, e: identity.FirmUpdated, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await replicas.upsert_firm(conn, e.firm_id, e.name, e.default_language, env.occurred_at)


async def branding_changed(
    conn: Connection, e: identity.FirmBrandingChanged, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    brand = Brand(e.display_name, e.primary_color, e.accent_color, e.logo_url, e.portal_url)
    await branding.upsert_branding(conn, e.firm_id, brand, env.occurred_at)


async def staff_changed(
    conn: Connection,
    e: identity.StaffCreated | identity.StaffUpdated,
    env: Envelope,
    *,
    deps: "NotifyDeps",
) -> None:
    person = Person(id=e.staff_id, kind="staff", email=e.email, language=e.language, role=e.role)
    await replicas.upsert_person(conn, env.require_firm(), person, e.name, env.occurred_at)


async def staff_deactivated(
    conn: Connection, e: identity.StaffDeactivated, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await replicas.insert_deactivation(conn, env.require_firm(), e.staff_id, env.occurred_at)


async def staff_assigned(
    conn: Connection, e: identity.StaffAssigned, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    assignment = StaffAssignment(e.staff_id, e.client_id, assigned=True)
    await replicas.upsert_staff_assignment(conn, env.require_firm(), assignment, env.occurred_at)


async def staff_unassigned(
    conn: Connection, e: identity.StaffUnassigned, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    assignment = StaffAssignment(e.staff_id, e.client_id, assigned=False)
    await replicas.upsert_staff_assignment(conn, env.require_firm(), assignment, env.occurred_at)


async def client_changed(
    conn: Connection,
    e: identity.ClientCreated | identity.ClientUpdated,
    env: Envelope,
    *,
    deps: "NotifyDeps",
) -> None:
    await replicas.upsert_client(conn, env.require_firm(), e.client_id, e.name, env.occurred_at)


async def contact_changed(
    conn: Connection,
    e: identity.ContactCreated | identity.ContactUpdated,
    env: Envelope,
    *,
    deps: "NotifyDeps",
) -> None:
    person = Person(id=e.contact_id, kind="contact", email=e.email, language=e.language)
    name = f"{e.first_name} {e.last_name}".strip()
    await replicas.upsert_person(conn, env.require_firm(), person, name, env.occurred_at)


async def contact_linked(
    conn: Connection, e: identity.ContactLinked, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    link = Relationship(e.contact_id, e.client_id, tuple(e.roles), e.primary, linked=True)
    await replicas.upsert_relationship(conn, env.require_firm(), link, env.occurred_at)


async def contact_unlinked(
    conn: Connection, e: identity.ContactUnlinked, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    link = Relationship(e.contact_id, e.client_id, (), primary=False, linked=False)
    await replicas.upsert_relationship(conn, env.require_firm(), link, env.occurred_at)


async def access_granted(
    conn: Connection, e: identity.PortalAccessGranted, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await replicas.upsert_portal_access(
        conn, env.require_firm(), e.contact_id, True, env.occurred_at
    )


async def access_revoked(
    conn: Connection, e: identity.PortalAccessRevoked, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await replicas.upsert_portal_access(
        conn, env.require_firm(), e.contact_id, False, env.occurred_at
    )


async def folder_changed(
    conn: Connection,
    e: documents.FolderCreated | documents.FolderUpdated,
    env: Envelope,
    *,
    deps: "NotifyDeps",
) -> None:
    await replicas.upsert_folder(conn, env.require_firm(), e.folder_id, e.name, env.occurred_at)


async def signing_created(
    conn: Connection, e: signing.SigningCreated, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    parties = {
        str(p.party_id): {"name": p.name, "contact_id": str(p.contact_id) if p.contact_id else None}
        for p in e.parties
    }
    record = Signing(e.signing_id, e.client_id, env.actor, e.document_name, parties)
    await replicas.insert_signing(conn, env.require_firm(), record)


HANDLERS: Mapping[type[Event], Handles] = {
    identity.FirmCreated: firm_created,
    identity.FirmUpdated: firm_updated,
    identity.FirmBrandingChanged: branding_changed,
    identity.StaffCreated: staff_changed,
    identity.StaffUpdated: staff_changed,
    identity.StaffDeactivated: staff_deactivated,
    identity.StaffAssigned: staff_assigned,
    identity.StaffUnassigned: staff_unassigned,
    identity.ClientCreated: client_changed,
    identity.ClientUpdated: client_changed,
    identity.ContactCreated: contact_changed,
    identity.ContactUpdated: contact_changed,
    identity.ContactLinked: contact_linked,
    identity.ContactUnlinked: contact_unlinked,
    identity.PortalAccessGranted: access_granted,
    identity.PortalAccessRevoked: access_revoked,
    documents.FolderCreated: folder_changed,
    documents.FolderUpdated: folder_changed,
    signing.SigningCreated: signing_created,
}
