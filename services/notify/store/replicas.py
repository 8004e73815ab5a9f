"""Notify's replica of identity's people and of the names its emails quote: firms, clients,
people (staff and contacts), deactivations, portal access, contact-client relationships, staff
assignments, and folder, document and signing names from documents and signing.

Replica writes keep the newest fact: each upsert changes a row only when the event that
carries it is at least as recent as the one that last changed it (`changed_at`).
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from services.notify.domain import Person
from services.notify.models import Firm, Relationship, Signing, StaffAssignment
from shared.database import Connection


async def upsert_firm(conn: Connection, firm_id: UUID, name: str, lang: str, at: datetime) -> None:
    await conn.execute(
        """INSERT INTO firms (firm_id, name, default_language, changed_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (firm_id) DO UPDATE SET name = $2, default_language = $3, changed_at = $4
           WHERE firms.changed_at <= $4""",
        firm_id, name, lang, at,
    )  # fmt: skip


async def upsert_client(
    conn: Connection, firm_id: UUID, client_id: UUID, name: str, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO clients (firm_id, client_id, name, changed_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (firm_id, client_id) DO UPDATE SET name = $3, changed_at = $4
           WHERE clients.changed_at <= $4""",
        firm_id, client_id, name, at,
    )  # fmt: skip


async def upsert_person(
    conn: Connection, firm_id: UUID, person: Person, name: str, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO people (firm_id, person_id, kind, name, email, language, role, changed_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
           ON CONFLICT (firm_id, person_id) DO UPDATE
           SET name = $4, email = $5, language = $6, role = $7, changed_at = $8
           WHERE people.changed_at <= $8""",
        firm_id, person.id, person.kind, name, person.email, person.language, person.role, at,
    )  # fmt: skip


async def insert_deactivation(
    conn: Connection, firm_id: UUID, person_id: UUID, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO deactivations (firm_id, person_id, at) VALUES ($1,$2,$3)
           ON CONFLICT DO NOTHING""",
        firm_id, person_id, at,
    )  # fmt: skip


async def upsert_portal_access(
    conn: Connection, firm_id: UUID, contact_id: UUID, granted: bool, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO portal_access (firm_id, contact_id, granted, changed_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (firm_id, contact_id) DO UPDATE SET granted = $3, changed_at = $4
           WHERE portal_access.changed_at <= $4""",
        firm_id, contact_id, granted, at,
    )  # fmt: skip


async def upsert_relationship(
    conn: Connection, firm_id: UUID, link: Relationship, at: datetime
) -> None:
    """A contact-client relationship as identity last announced it (`linked` false once
    unlinked: the row stays, so a late, older link event cannot bring it back)."""
    await conn.execute(
        """INSERT INTO relationships
               (firm_id, contact_id, client_id, roles, is_primary, linked, changed_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7)
           ON CONFLICT (firm_id, contact_id, client_id) DO UPDATE
           SET roles = $4, is_primary = $5, linked = $6, changed_at = $7
           WHERE relationships.changed_at <= $7""",
        firm_id, link.contact_id, link.client_id, list(link.roles), link.primary, link.linked, at,
    )  # fmt: skip


async def list_clients_of(conn: Connection, firm_id: UUID, contact_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        """SELECT client_id FROM relationships WHERE firm_id = $1 AND contact_id = $2 AND linked
           ORDER BY client_id""",
        firm_id, contact_id,
    )  # fmt: skip
    return [r["client_id"] for r in rows]


async def upsert_staff_assignment(
    conn: Connection, firm_id: UUID, assignment: StaffAssignment, at: datetime
) -> None:
    """Whether a staff member serves a client, as identity last announced it."""
    await conn.execute(
        """INSERT INTO staff_assignments (firm_id, staff_id, client_id, assigned, changed_at)
           VALUES ($1,$2,$3,$4,$5)
           ON CONFLICT (firm_id, staff_id, client_id) DO UPDATE SET assigned = $4, changed_at = $5
           WHERE staff_assignments.changed_at <= $5""",
        firm_id, assignment.staff_id, assignment.client_id, assignment.assigned, at,
    )  # fmt: skip


async def get_firm(conn: Connection, firm_id: UUID) -> Firm | None:
    row = await conn.fetchrow(
        "SELECT name, default_language FROM firms WHERE firm_id = $1", firm_id
    )
    return Firm(row["name"], row["default_language"]) if row else None


async def get_client_name(conn: Connection, firm_id: UUID, client_id: UUID) -> str | None:
    return await conn.fetchval(
        "SELECT name FROM clients WHERE firm_id = $1 AND client_id = $2", firm_id, client_id
    )


async def get_person_name(conn: Connection, firm_id: UUID, person_id: UUID) -> str | None:
    return await conn.fetchval(
        "SELECT name FROM people WHERE firm_id = $1 AND person_id = $2", firm_id, person_id
    )


async def list_candidates(
    conn: Connection, firm_id: UUID, client_id: UUID | None, also: Sequence[UUID],
    roles: Sequence[str] = (),
) -> list[tuple[Person, str]]:  # fmt: skip
    """The firm's staff, the client's contacts holding one of `roles`, and the people in
    `also`, with names. Loading only those keeps a one-person notice cheap at a big client."""
    rows = await conn.fetch(
        """WITH ids AS (
               SELECT person_id FROM people WHERE firm_id = $1 AND kind = 'staff'
               UNION SELECT unnest($3::uuid[])
               UNION SELECT contact_id FROM relationships
                     WHERE firm_id = $1 AND client_id = $2 AND linked AND roles && $4::text[])
           SELECT p.person_id, p.kind, p.name, p.email, p.language, p.role,
                  d.person_id IS NULL AS active, pa.granted AS portal,
                  coalesce(l.roles, '{}') AS client_roles, a.staff_id IS NOT NULL AS assigned
           FROM ids
           JOIN people p ON p.firm_id = $1 AND p.person_id = ids.person_id
           LEFT JOIN deactivations d ON d.firm_id = $1 AND d.person_id = p.person_id
           LEFT JOIN portal_access pa ON pa.firm_id = $1 AND pa.contact_id = p.person_id
           LEFT JOIN relationships l ON l.firm_id = $1 AND l.contact_id = p.person_id
                AND l.client_id = $2 AND l.linked
           LEFT JOIN staff_assignments a ON a.firm_id = $1 AND a.staff_id = p.person_id
                AND a.client_id = $2 AND a.assigned""",
        firm_id, client_id, list(also), list(roles),
    )  # fmt: skip
    return [(_person(r), r["name"]) for r in rows]


def _person(r: dict) -> Person:  # type: ignore[type-arg]
    return Person(
        id=r["person_id"], kind=r["kind"], email=r["email"], language=r["language"],
        active=r["active"], role=r["role"], portal=r["portal"],
        client_roles=frozenset(r["client_roles"]), assigned=r["assigned"],
    )  # fmt: skip


async def list_people(
    conn: Connection, firm_id: UUID, ids: Sequence[UUID]
) -> list[tuple[Person, str]]:
    return [p for p in await list_candidates(conn, firm_id, None, ids) if p[0].id in set(ids)]


async def upsert_folder(
    conn: Connection, firm_id: UUID, folder_id: UUID, name: str, at: datetime
) -> None:
    await conn.execute(
        """INSERT INTO folders (firm_id, folder_id, name, changed_at) VALUES ($1,$2,$3,$4)
           ON CONFLICT (firm_id, folder_id) DO UPDATE SET name = $3, changed_at = $4
           WHERE folders.changed_at <= $4""",
        firm_id, folder_id, name, at,
    )  # fmt: skip


async def get_folder_name(conn: Connection, firm_id: UUID, folder_id: UUID) -> str | None:
    return await conn.fetchval(
        "SELECT name FROM folders WHERE firm_id = $1 AND folder_id = $2", firm_id, folder_id
    )


async def insert_signing(conn: Connection, firm_id: UUID, signing: Signing) -> None:
    await conn.execute(
        """INSERT INTO signings (firm_id, signing_id, client_id, started_by, document_name, parties)
           VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING""",
        firm_id, signing.signing_id, signing.client_id, signing.started_by,
        signing.document_name, signing.parties,
    )  # fmt: skip


async def get_signing(conn: Connection, firm_id: UUID, signing_id: UUID) -> Signing | None:
    row = await conn.fetchrow(
        """SELECT signing_id, client_id, started_by, document_name, parties FROM signings
           WHERE firm_id = $1 AND signing_id = $2""",
        firm_id, signing_id,
    )  # fmt: skip
    return Signing(**dict(row)) if row else None


async def upsert_document(conn: Connection, firm_id: UUID, document_id: UUID, name: str) -> None:
    await conn.execute(
        """INSERT INTO documents (firm_id, document_id, name) VALUES ($1,$2,$3)
           ON CONFLICT (firm_id, document_id) DO UPDATE SET name = $3""",
        firm_id, document_id, name,
    )  # fmt: skip


async def get_document_name(conn: Connection, firm_id: UUID, document_id: UUID) -> str | None:
    return await conn.fetchval(
        "SELECT name FROM documents WHERE firm_id = $1 AND document_id = $2", firm_id, document_id
    )
