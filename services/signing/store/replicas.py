"""Identity's facts kept here: which member sees which client (`staff_assignments`, flag
`assigned`), which contact is whose (`relationships`, flag `linked`). `changed_at` is the time
of the last event applied to a row."""

from datetime import datetime
from uuid import UUID

from shared.database import Connection


async def upsert_assignment(
    conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID, assigned: bool, at: datetime
) -> None:
    """Only a newer fact wins, so a late event cannot undo a later change."""
    await conn.execute(
        """INSERT INTO staff_assignments (firm_id, staff_id, client_id, assigned, changed_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (firm_id, staff_id, client_id) DO UPDATE
           SET assigned = excluded.assigned, changed_at = excluded.changed_at
           WHERE staff_assignments.changed_at <= excluded.changed_at""",
        firm_id, staff_id, client_id, assigned, at,
    )  # fmt: skip


async def upsert_relationship(
    conn: Connection, firm_id: UUID, contact_id: UUID, client_id: UUID, linked: bool, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO relationships (firm_id, contact_id, client_id, linked, changed_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (firm_id, contact_id, client_id) DO UPDATE
           SET linked = excluded.linked, changed_at = excluded.changed_at
           WHERE relationships.changed_at <= excluded.changed_at""",
        firm_id, contact_id, client_id, linked, at,
    )  # fmt: skip


async def get_assigned(conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT assigned FROM staff_assignments
               WHERE firm_id = $1 AND staff_id = $2 AND client_id = $3""",
            firm_id,
            staff_id,
            client_id,
        )
    )


async def assignment_known(
    conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID
) -> bool:
    """Whether any assignment event (given or taken back) has reached this replica."""
    return bool(
        await conn.fetchval(
            """SELECT true FROM staff_assignments
               WHERE firm_id = $1 AND staff_id = $2 AND client_id = $3""",
            firm_id,
            staff_id,
            client_id,
        )
    )


async def list_assigned_clients(conn: Connection, firm_id: UUID, staff_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        """SELECT client_id FROM staff_assignments
           WHERE firm_id = $1 AND staff_id = $2 AND assigned""",
        firm_id,
        staff_id,
    )
    return [r["client_id"] for r in rows]


async def get_linked(conn: Connection, firm_id: UUID, contact_id: UUID, client_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT linked FROM relationships
               WHERE firm_id = $1 AND contact_id = $2 AND client_id = $3""",
            firm_id,
            contact_id,
            client_id,
        )
    )
