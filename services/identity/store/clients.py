"""Clients and contact-client relationships."""

from uuid import UUID, uuid4

from services.identity.models import Client, ClientMembership, Relationship
from shared.database import Connection

_CLIENT = """SELECT id, kind, name, organisation_number, archived_at IS NOT NULL AS archived
             FROM clients"""


async def insert_client(
    conn: Connection, firm_id: UUID, kind: str, name: str, organisation_number: str | None
) -> Client:
    row = await conn.fetchrow(
        """INSERT INTO clients (id, firm_id, kind, name, organisation_number)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, kind, name, organisation_number, false AS archived""",
        uuid4(),
        firm_id,
        kind,
        name,
        organisation_number,
    )
    return Client(**row)


async def get_client(conn: Connection, firm_id: UUID, client_id: UUID) -> Client | None:
    row = await conn.fetchrow(f"{_CLIENT} WHERE firm_id = $1 AND id = $2", firm_id, client_id)
    return Client(**row) if row else None


async def update_client(
    conn: Connection, client_id: UUID, name: str, organisation_number: str | None
) -> Client:
    row = await conn.fetchrow(
        """UPDATE clients SET name = $2, organisation_number = $3, updated_at = now()
           WHERE id = $1
           RETURNING id, kind, name, organisation_number, archived_at IS NOT NULL AS archived""",
        client_id,
        name,
        organisation_number,
    )
    return Client(**row)


async def archive_client(conn: Connection, client_id: UUID) -> bool:
    done = await conn.fetchval(
        """UPDATE clients SET archived_at = now(), updated_at = now()
           WHERE id = $1 AND archived_at IS NULL RETURNING true""",
        client_id,
    )
    return bool(done)


def _search(
    firm_id: UUID, staff_id: UUID | None, q: str | None, archived: bool
) -> tuple[str, list[object]]:
    """WHERE clause of a client search; `staff_id` limits it to a member's assignments."""
    where = ["c.firm_id = $1", "(c.archived_at IS NOT NULL) = $2"]
    args: list[object] = [firm_id, archived]
    if staff_id is not None:
        args.append(staff_id)
        where.append(
            f"EXISTS (SELECT 1 FROM staff_clients a WHERE a.client_id = c.id "
            f"AND a.staff_id = ${len(args)})"
        )
    if q:
        args.append(f"%{q.lower()}%")
        where.append(
            f"(lower(c.name) LIKE ${len(args)} OR lower(c.organisation_number) LIKE ${len(args)})"
        )
    return " AND ".join(where), args


async def list_clients(
    conn: Connection,
    firm_id: UUID,
    *,
    staff_id: UUID | None,
    q: str | None,
    archived: bool,
    limit: int,
    offset: int,
) -> tuple[list[Client], int]:
    where, args = _search(firm_id, staff_id, q, archived)
    total = await conn.fetchval(f"SELECT count(*) FROM clients c WHERE {where}", *args)
    rows = await conn.fetch(
        f"""SELECT c.id, c.kind, c.name, c.organisation_number,
                   c.archived_at IS NOT NULL AS archived
            FROM clients c WHERE {where} ORDER BY lower(c.name), c.id
            LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",
        *args,
        limit,
        offset,
    )
    return [Client(**row) for row in rows], total


async def clear_primary(conn: Connection, client_id: UUID, except_contact: UUID) -> None:
    await conn.execute(
        """UPDATE relationships SET is_primary = false
           WHERE client_id = $1 AND contact_id <> $2 AND is_primary""",
        client_id,
        except_contact,
    )


async def upsert_relationship(
    conn: Connection,
    firm_id: UUID,
    client_id: UUID,
    contact_id: UUID,
    roles: list[str],
    primary: bool,
) -> Relationship:
    row = await conn.fetchrow(
        """INSERT INTO relationships (firm_id, client_id, contact_id, roles, is_primary)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (client_id, contact_id)
           DO UPDATE SET roles = excluded.roles, is_primary = excluded.is_primary
           RETURNING client_id, contact_id, roles, is_primary AS primary""",
        firm_id,
        client_id,
        contact_id,
        sorted(set(roles)),
        primary,
    )
    return Relationship(**row)


async def delete_relationship(conn: Connection, client_id: UUID, contact_id: UUID) -> bool:
    done = await conn.fetchval(
        "DELETE FROM relationships WHERE client_id = $1 AND contact_id = $2 RETURNING true",
        client_id,
        contact_id,
    )
    return bool(done)


async def list_relationships(conn: Connection, client_id: UUID) -> list[Relationship]:
    rows = await conn.fetch(
        """SELECT client_id, contact_id, roles, is_primary AS primary FROM relationships
           WHERE client_id = $1 ORDER BY is_primary DESC, created_at, contact_id""",
        client_id,
    )
    return [Relationship(**row) for row in rows]


async def list_contact_clients(conn: Connection, contact_id: UUID) -> list[ClientMembership]:
    """The live (not archived) clients a contact belongs to, with their roles there."""
    rows = await conn.fetch(
        """SELECT c.id AS client_id, c.name, r.roles, r.is_primary AS primary
           FROM relationships r JOIN clients c ON c.id = r.client_id
           WHERE r.contact_id = $1 AND c.archived_at IS NULL ORDER BY lower(c.name), c.id""",
        contact_id,
    )
    return [ClientMembership(**row) for row in rows]


async def contact_visible_to(conn: Connection, contact_id: UUID, staff_id: UUID) -> bool:
    """A member sees a contact linked to one of their assigned clients."""
    found = await conn.fetchval(
        """SELECT true FROM relationships r
           JOIN staff_clients a ON a.client_id = r.client_id
           WHERE r.contact_id = $1 AND a.staff_id = $2 LIMIT 1""",
        contact_id,
        staff_id,
    )
    return bool(found)
