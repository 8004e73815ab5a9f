"""Firms, staff and their client assignments."""

import json
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.identity.models import Firm, Staff
from shared.database import Connection


async def insert_firm(
    conn: Connection, name: str, country: str, plan: str, default_language: str
) -> Firm:
    row = await conn.fetchrow(
        """INSERT INTO firms (id, name, country, plan, default_language)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, name, country, plan, default_language""",
        uuid4(),
        name,
        country,
        plan,
        default_language,
    )
    return Firm(**row)


async def get_firm(conn: Connection, firm_id: UUID) -> Firm | None:
    row = await conn.fetchrow(
        "SELECT id, name, country, plan, default_language FROM firms WHERE id = $1", firm_id
    )
    return Firm(**row) if row else None


async def update_firm(conn: Connection, firm_id: UUID, name: str, default_language: str) -> Firm:
    row = await conn.fetchrow(
        """UPDATE firms SET name = $2, default_language = $3, updated_at = now() WHERE id = $1
           RETURNING id, name, country, plan, default_language""",
        firm_id,
        name,
        default_language,
    )
    return Firm(**row)


_STAFF = """SELECT s.id, s.firm_id, s.account_id, s.name, a.email, s.role, s.language,
                   s.active, s.registered
            FROM staff s JOIN accounts a ON a.id = s.account_id"""


async def insert_staff(
    conn: Connection,
    firm_id: UUID,
    account_id: UUID,
    *,
    name: str,
    role: str,
    language: str,
    registered: bool,
) -> UUID:
    return await conn.fetchval(
        """INSERT INTO staff (id, firm_id, account_id, name, role, language, registered)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        uuid4(),
        firm_id,
        account_id,
        name,
        role,
        language,
        registered,
    )


async def get_staff(conn: Connection, firm_id: UUID, staff_id: UUID) -> Staff | None:
    row = await conn.fetchrow(f"{_STAFF} WHERE s.firm_id = $1 AND s.id = $2", firm_id, staff_id)
    return Staff(**row) if row else None


async def lock_staff(conn: Connection, firm_id: UUID, staff_id: UUID) -> Staff | None:
    row = await conn.fetchrow(
        f"{_STAFF} WHERE s.firm_id = $1 AND s.id = $2 FOR UPDATE OF s", firm_id, staff_id
    )
    return Staff(**row) if row else None


async def get_staff_by_account(conn: Connection, firm_id: UUID, account_id: UUID) -> Staff | None:
    row = await conn.fetchrow(
        f"{_STAFF} WHERE s.firm_id = $1 AND s.account_id = $2", firm_id, account_id
    )
    return Staff(**row) if row else None


async def list_staff(conn: Connection, firm_id: UUID) -> list[Staff]:
    rows = await conn.fetch(f"{_STAFF} WHERE s.firm_id = $1 ORDER BY s.name, s.id", firm_id)
    return [Staff(**row) for row in rows]


async def count_other_owners(conn: Connection, firm_id: UUID, staff_id: UUID) -> int:
    """Other active owners, rows locked so two demotions cannot both pass."""
    rows = await conn.fetch(
        """SELECT id FROM staff WHERE firm_id = $1 AND id <> $2 AND role = 'owner' AND active
           FOR UPDATE""",
        firm_id,
        staff_id,
    )
    return len(rows)


async def update_staff_role(conn: Connection, staff_id: UUID, role: str) -> None:
    await conn.execute("UPDATE staff SET role = $2 WHERE id = $1", staff_id, role)


async def deactivate_staff(conn: Connection, staff_id: UUID) -> None:
    await conn.execute("UPDATE staff SET active = false WHERE id = $1", staff_id)


async def mark_staff_registered(conn: Connection, staff_id: UUID) -> None:
    await conn.execute("UPDATE staff SET registered = true WHERE id = $1", staff_id)


async def insert_assignment(
    conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID
) -> bool:
    done = await conn.fetchval(
        """INSERT INTO staff_clients (firm_id, staff_id, client_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        firm_id,
        staff_id,
        client_id,
    )
    return bool(done)


async def delete_assignment(conn: Connection, staff_id: UUID, client_id: UUID) -> bool:
    done = await conn.fetchval(
        "DELETE FROM staff_clients WHERE staff_id = $1 AND client_id = $2 RETURNING true",
        staff_id,
        client_id,
    )
    return bool(done)


async def is_assigned(conn: Connection, staff_id: UUID, client_id: UUID) -> bool:
    found = await conn.fetchval(
        "SELECT true FROM staff_clients WHERE staff_id = $1 AND client_id = $2",
        staff_id,
        client_id,
    )
    return bool(found)


async def list_staff_memberships(conn: Connection, account_id: UUID) -> list[tuple[Staff, str]]:
    rows = await conn.fetch(
        f"""SELECT q.*, f.name AS firm_name
            FROM ({_STAFF} WHERE s.account_id = $1 AND s.active AND s.registered) q
            JOIN firms f ON f.id = q.firm_id ORDER BY q.firm_id""",
        account_id,
    )
    return [
        (Staff(**{k: v for k, v in r.items() if k != "firm_name"}), r["firm_name"]) for r in rows
    ]


async def insert_sign_up(
    conn: Connection, token_hash: bytes, email: str, details: dict[str, Any], expires_at: datetime
) -> None:
    """A sign-up waiting for its link to be opened. Across firms by design: no firm exists
    yet."""
    await conn.execute(
        """INSERT INTO sign_ups (token_hash, email, details, expires_at)
           VALUES ($1, $2, $3::jsonb, $4)""",
        token_hash, email, json.dumps(details), expires_at,
    )  # fmt: skip


async def lock_sign_up(conn: Connection, token_hash: bytes) -> dict[str, Any] | None:
    """A live sign-up, locked against a racing confirmation; used, expired or unknown → None.
    Across firms by design: no firm exists yet."""
    row = await conn.fetchrow(
        """SELECT email, details FROM sign_ups
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE""",
        token_hash,
    )
    return {"email": row["email"], "details": json.loads(row["details"])} if row else None


async def use_sign_up(conn: Connection, token_hash: bytes) -> None:
    """Across firms by design: no firm exists yet."""
    await conn.execute("UPDATE sign_ups SET used_at = now() WHERE token_hash = $1", token_hash)
