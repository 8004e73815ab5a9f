"""Identity's facts as this service keeps them. Each upsert applies only if its event is not
older than what the row already reflects, so late or repeated events change nothing."""

from datetime import datetime
from uuid import UUID

from services.documents.domain import Standing
from shared.database import Connection


async def upsert_client(
    conn: Connection, firm_id: UUID, client_id: UUID, name: str | None, archived: bool,
    at: datetime,
) -> None:  # fmt: skip
    await conn.execute(
        """INSERT INTO clients (client_id, firm_id, name, archived, changed_at)
           VALUES ($2, $1, coalesce($3, ''), $4, $5)
           ON CONFLICT (client_id) DO UPDATE
              SET name = coalesce($3, clients.name), archived = clients.archived OR $4,
                  changed_at = $5
            WHERE clients.firm_id = $1 AND clients.changed_at <= $5""",
        firm_id, client_id, name, archived, at,
    )  # fmt: skip


async def client_exists(conn: Connection, firm_id: UUID, client_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM clients WHERE firm_id = $1 AND client_id = $2", firm_id, client_id
        )
    )


async def upsert_assignment(
    conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID, assigned: bool,
    at: datetime,
) -> None:  # fmt: skip
    await conn.execute(
        """INSERT INTO staff_assignments (staff_id, client_id, firm_id, assigned, changed_at)
           VALUES ($2, $3, $1, $4, $5)
           ON CONFLICT (staff_id, client_id) DO UPDATE SET assigned = $4, changed_at = $5
            WHERE staff_assignments.firm_id = $1 AND staff_assignments.changed_at <= $5""",
        firm_id, staff_id, client_id, assigned, at,
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


async def upsert_contact(
    conn: Connection, firm_id: UUID, contact_id: UUID, name: str, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO contacts (contact_id, firm_id, name, changed_at) VALUES ($2, $1, $3, $4)
           ON CONFLICT (contact_id) DO UPDATE SET name = $3, changed_at = $4
            WHERE contacts.firm_id = $1 AND contacts.changed_at <= $4""",
        firm_id, contact_id, name, at,
    )  # fmt: skip


async def upsert_portal_access(
    conn: Connection, firm_id: UUID, contact_id: UUID, granted: bool, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO contacts (contact_id, firm_id, portal_access, access_changed_at)
           VALUES ($2, $1, $3, $4)
           ON CONFLICT (contact_id) DO UPDATE SET portal_access = $3, access_changed_at = $4
            WHERE contacts.firm_id = $1 AND contacts.access_changed_at <= $4""",
        firm_id, contact_id, granted, at,
    )  # fmt: skip


async def upsert_relationship(
    conn: Connection, firm_id: UUID, contact_id: UUID, client_id: UUID, *, linked: bool,
    primary: bool, roles: list[str], at: datetime,
) -> None:  # fmt: skip
    await conn.execute(
        """INSERT INTO relationships
                  (contact_id, client_id, firm_id, linked, is_primary, roles, changed_at)
           VALUES ($2, $3, $1, $4, $5, $6, $7)
           ON CONFLICT (contact_id, client_id) DO UPDATE
              SET linked = $4, is_primary = $5, roles = $6, changed_at = $7
            WHERE relationships.firm_id = $1 AND relationships.changed_at <= $7""",
        firm_id, contact_id, client_id, linked, primary, roles, at,
    )  # fmt: skip


async def get_standing(
    conn: Connection, firm_id: UUID, contact_id: UUID, client_id: UUID
) -> Standing:
    row = await conn.fetchrow(
        """SELECT coalesce(c.portal_access, false) AS portal_access,
                  coalesce(r.linked, false) AS linked, coalesce(r.is_primary, false) AS primary
             FROM (SELECT 1) one
             LEFT JOIN contacts c ON c.contact_id = $2 AND c.firm_id = $1
             LEFT JOIN relationships r
                    ON r.contact_id = $2 AND r.client_id = $3 AND r.firm_id = $1""",
        firm_id, contact_id, client_id,
    )  # fmt: skip
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
