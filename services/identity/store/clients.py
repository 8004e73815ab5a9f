"""Clients and contact-client relationships."""

from uuid import UUID, uuid4

from services.identity.models import (
    Client,
    ClientMembership,
    NewClient,
    NewRelationship,
    Relationship,
)
from shared.database import Connection

_CLIENT = """SELECT id, kind, name, organisation_number, archived_at IS NOT NULL AS archived
             FROM clients"""


async def insert_client(conn: Connection, client: NewClient) -> Client:
    row = await conn.fetchrow(
        """INSERT INTO clients (id, firm_id, kind, name, organisation_number)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, kind, name, organisation_number, false AS archived""",
        uuid4(),
        client.firm_id,
        client.kind,
        client.name,
        client.organisation_number,
    )
    return Client(**row)


async def get_client(conn: Connection, firm_id: UUID, client_id: UUID) -> Client | None:
    row = await conn.fetchrow(f"{_CLIENT} WHERE firm_id = $1 AND id = $2", firm_id, client_id)
    return Client(**row) if row else None


async def lock_client(conn: Connection, firm_id: UUID, client_id: UUID) -> Client | None:
    row = await conn.fetchrow(
        f"{_CLIENT} WHERE firm_id = $1 AND id = $2 FOR UPDATE", firm_id, client_id
    )
    return Client(**row) if row else None


async def update_client(
    conn: Connection, firm_id: UUID, client_id: UUID, name: str, organisation_number: str | None
) -> Client:
    row = await conn.fetchrow(
        """UPDATE clients SET name = $3, organisation_number = $4, updated_at = now()
           WHERE firm_id = $1 AND id = $2
           RETURNING id, kind, name, organisation_number, archived_at IS NOT NULL AS archived""",
        firm_id,
        client_id,
        name,
        organisation_number,
    )
    return Client(**row)


async def archive_client(conn: Connection, firm_id: UUID, client_id: UUID) -> bool:
    done = await conn.fetchval(
        """UPDATE clients SET archived_at = now(), updated_at = now()
           WHERE firm_id = $1 AND id = $2 AND archived_at IS NULL RETURNING true""",
        firm_id,
        client_id,
    )
    return bool(done)


def _search(
    firm_id: UUID, staff_id: UUID | None, q: str | None, archived: bool
) -> tuple[str, list[object]]:
    """The rest of a client search's WHERE clause after the firm's (`$1`); `staff_id` limits
    it to a member's assignments."""
    where = ["(c.archived_at IS NOT NULL) = $2"]
    args: list[object] = [firm_id, archived]
    if staff_id is not None:
        args.append(staff_id)
        where.append(
            f"EXISTS (SELECT 1 FROM staff_assignments a WHERE a.firm_id = c.firm_id "
            f"AND a.client_id = c.id AND a.staff_id = ${len(args)})"
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
    total = await conn.fetchval(
        f"SELECT count(*) FROM clients c WHERE c.firm_id = $1 AND {where}", *args
    )
    rows = await conn.fetch(
        f"""SELECT c.id, c.kind, c.name, c.organisation_number,
                   c.archived_at IS NOT NULL AS archived
            FROM clients c WHERE c.firm_id = $1 AND {where} ORDER BY lower(c.name), c.id
            LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",
        *args,
        limit,
        offset,
    )
    return [Client(**row) for row in rows], total


async def clear_primary(
    conn: Connection, firm_id: UUID, client_id: UUID, except_contact: UUID
) -> None:
    await conn.execute(
        """UPDATE relationships SET is_primary = false
           WHERE firm_id = $1 AND client_id = $2 AND contact_id <> $3 AND is_primary""",
        firm_id,
        client_id,
        except_contact,
    )


async def upsert_relationship(conn: Connection, link: NewRelationship) -> Relationship:
    row = await conn.fetchrow(
        """INSERT INTO relationships (firm_id, client_id, contact_id, roles, is_primary)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (client_id, contact_id)
           DO UPDATE SET roles = excluded.roles, is_primary = excluded.is_primary
           RETURNING client_id, contact_id, roles, is_primary AS primary""",
        link.firm_id,
        link.client_id,
        link.contact_id,
        sorted(set(link.roles)),
        link.primary,
    )
    return Relationship(**row)


async def delete_relationship(
    conn: Connection, firm_id: UUID, client_id: UUID, contact_id: UUID
) -> bool:
    done = await conn.fetchval(
        """DELETE FROM relationships WHERE firm_id = $1 AND client_id = $2 AND contact_id = $3
           RETURNING true""",
        firm_id,
        client_id,
        contact_id,
    )
    return bool(done)


async def list_relationships(
    conn: Connection, firm_id: UUID, client_id: UUID
) -> list[Relationship]:
    rows = await conn.fetch(
        """SELECT client_id, contact_id, roles, is_primary AS primary FROM relationships
           WHERE firm_id = $1 AND client_id = $2
           ORDER BY is_primary DESC, created_at, contact_id""",
        firm_id,
        client_id,
    )
    return [Relationship(**row) for row in rows]


async def list_contact_clients(
    conn: Connection, firm_id: UUID, contact_id: UUID
) -> list[ClientMembership]:
    """The live (not archived) clients a contact belongs to, with their roles there."""
    rows = await conn.fetch(
        """SELECT c.id AS client_id, c.name, r.roles, r.is_primary AS primary
           FROM relationships r JOIN clients c ON c.id = r.client_id
           WHERE r.firm_id = $1 AND r.contact_id = $2 AND c.archived_at IS NULL
           ORDER BY lower(c.name), c.id""",
        firm_id,
        contact_id,
    )
    return [ClientMembership(**row) for row in rows]


async def contact_visible_to(
    conn: Connection, firm_id: UUID, contact_id: UUID, staff_id: UUID
) -> bool:
    """Whether the contact is linked to one of the member's assigned clients."""
    found = await conn.fetchval(
        """SELECT true FROM relationships r
           JOIN staff_assignments a ON a.firm_id = r.firm_id AND a.client_id = r.client_id
           WHERE r.firm_id = $1 AND r.contact_id = $2 AND a.staff_id = $3 LIMIT 1""",
        firm_id,
        contact_id,
        staff_id,
    )
    return bool(found)
