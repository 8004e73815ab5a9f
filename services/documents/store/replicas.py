"""Identity's facts as this service keeps them. Each upsert applies only if its event is not
older than what the row already reflects, so late or repeated events change nothing."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from services.documents.domain import Standing
from services.documents.models import (
    NewAssignment,
    NewClient,
    NewContact,
    NewPortalAccess,
    NewRelationship,
)
from shared.database import Connection


async def upsert_client(conn: Connection, client: NewClient) -> None:
    await conn.execute(
        """INSERT INTO clients (client_id, firm_id, name, archived, changed_at)
           VALUES ($2, $1, coalesce($3, ''), $4, $5)
           ON CONFLICT (client_id) DO UPDATE
              SET name = coalesce($3, clients.name), archived = clients.archived OR $4,
                  changed_at = $5
            WHERE clients.firm_id = $1 AND clients.changed_at <= $5""",
        client.firm_id, client.client_id, client.name, client.archived, client.changed_at,
    )  # fmt: skip


async def client_exists(conn: Connection, firm_id: UUID, client_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM clients WHERE firm_id = $1 AND client_id = $2", firm_id, client_id
        )
    )


async def upsert_assignment(conn: Connection, assignment: NewAssignment) -> None:
    await conn.execute(
        """INSERT INTO staff_assignments (staff_id, client_id, firm_id, assigned, changed_at)
           VALUES ($2, $3, $1, $4, $5)
           ON CONFLICT (staff_id, client_id) DO UPDATE SET assigned = $4, changed_at = $5
            WHERE staff_assignments.firm_id = $1 AND staff_assignments.changed_at <= $5""",
        assignment.firm_id, assignment.staff_id, assignment.client_id, assignment.assigned,
        assignment.changed_at,
    )  # fmt: skip


async def is_assigned(conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT assigned FROM staff_assignments
                WHERE firm_id = $1 AND staff_id = $2 AND client_id = $3""",
            firm_id,
            staff_id,
            client_id,
        )
    )


async def upsert_contact(conn: Connection, contact: NewContact) -> None:
    await conn.execute(
        """INSERT INTO contacts (contact_id, firm_id, name, changed_at) VALUES ($2, $1, $3, $4)
           ON CONFLICT (contact_id) DO UPDATE SET name = $3, changed_at = $4
            WHERE contacts.firm_id = $1 AND contacts.changed_at <= $4""",
        contact.firm_id, contact.contact_id, contact.name, contact.changed_at,
    )  # fmt: skip


async def upsert_portal_access(conn: Connection, access: NewPortalAccess) -> None:
    await conn.execute(
        """INSERT INTO contacts (contact_id, firm_id, portal_access, access_changed_at)
           VALUES ($2, $1, $3, $4)
           ON CONFLICT (contact_id) DO UPDATE SET portal_access = $3, access_changed_at = $4
            WHERE contacts.firm_id = $1 AND contacts.access_changed_at <= $4""",
        access.firm_id, access.contact_id, access.granted, access.changed_at,
    )  # fmt: skip


async def upsert_relationship(conn: Connection, relationship: NewRelationship) -> None:
    await conn.execute(
        """INSERT INTO relationships
                  (contact_id, client_id, firm_id, linked, is_primary, roles, changed_at)
           VALUES ($2, $3, $1, $4, $5, $6, $7)
           ON CONFLICT (contact_id, client_id) DO UPDATE
              SET linked = $4, is_primary = $5, roles = $6, changed_at = $7
            WHERE relationships.firm_id = $1 AND relationships.changed_at <= $7""",
        relationship.firm_id, relationship.contact_id, relationship.client_id,
        relationship.linked, relationship.primary, relationship.roles, relationship.changed_at,
    )  # fmt: skip


async def get_standing(
    conn: Connection, firm_id: UUID, contact_id: UUID, client_id: UUID
) -> Standing | None:
    """The contact's standing at the client; None while this replica has heard neither of the
    contact's portal access nor of their link to the client (identity's events on the way)."""
    row = await conn.fetchrow(STANDING, firm_id, contact_id, client_id)
    return standing_of(row, contact_id)


# The one row of a contact's ($2) standing at a client ($3) of a firm ($1); also the start of
# the contact's folder listing (store/folders.py), which reads it in the same statement.
STANDING = """SELECT coalesce(c.portal_access, false) AS portal_access,
                     coalesce(r.linked, false) AS linked, coalesce(r.is_primary, false) AS primary,
                     c.access_changed_at > '-infinity' AND r.contact_id IS NOT NULL AS known
                FROM (SELECT 1) one
                LEFT JOIN contacts c ON c.contact_id = $2 AND c.firm_id = $1
                LEFT JOIN relationships r
                       ON r.contact_id = $2 AND r.client_id = $3 AND r.firm_id = $1"""


def standing_of(row: Mapping[str, Any], contact_id: UUID) -> Standing | None:
    """A STANDING row as the domain's Standing; None while the replica knows too little."""
    if not row["known"]:
        return None
    return Standing(contact_id, row["portal_access"], row["linked"], row["primary"])


async def list_standings(conn: Connection, firm_id: UUID, client_id: UUID) -> list[Standing]:
    """The client's linked contacts who have portal access: everyone who could see anything."""
    rows = await conn.fetch(
        """SELECT r.contact_id, r.is_primary FROM relationships r
             JOIN contacts c ON c.contact_id = r.contact_id AND c.firm_id = r.firm_id
            WHERE r.firm_id = $1 AND r.client_id = $2 AND r.linked AND c.portal_access""",
        firm_id, client_id,
    )  # fmt: skip
    return [Standing(r["contact_id"], True, True, r["is_primary"]) for r in rows]
