"""Firms, staff and their client assignments."""

from uuid import UUID, uuid4

from services.identity.models import (
    Firm,
    NewFirm,
    NewSignUp,
    NewStaff,
    PendingSignUp,
    SignUp,
    Staff,
)
from shared.database import Connection


async def insert_firm(conn: Connection, firm: NewFirm) -> Firm:
    """A new tenant: across firms by design, it is the firm (its `id` is the firm id)."""
    row = await conn.fetchrow(
        """INSERT INTO firms (id, name, country, plan, default_language)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, name, country, plan, default_language""",
        uuid4(),
        firm.name,
        firm.country,
        firm.plan,
        firm.default_language,
    )
    return Firm(**row)


async def get_firm(conn: Connection, firm_id: UUID) -> Firm | None:
    """The firm's own row (`id` is the firm id), reached through the token's firm."""
    row = await conn.fetchrow(
        "SELECT id, name, country, plan, default_language FROM firms WHERE id = $1", firm_id
    )
    return Firm(**row) if row else None


async def update_firm(conn: Connection, firm_id: UUID, name: str, default_language: str) -> Firm:
    """The firm's own row (`id` is the firm id), reached through the token's firm."""
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


async def insert_staff(conn: Connection, staff: NewStaff) -> UUID:
    return await conn.fetchval(
        """INSERT INTO staff (id, firm_id, account_id, name, role, language, registered)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        uuid4(),
        staff.firm_id,
        staff.account_id,
        staff.name,
        staff.role,
        staff.language,
        staff.registered,
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


async def update_staff_role(conn: Connection, firm_id: UUID, staff_id: UUID, role: str) -> None:
    await conn.execute(
        "UPDATE staff SET role = $3 WHERE firm_id = $1 AND id = $2", firm_id, staff_id, role
    )


async def update_staff_language(
    conn: Connection, firm_id: UUID, staff_id: UUID, language: str
) -> None:
    await conn.execute(
        "UPDATE staff SET language = $3 WHERE firm_id = $1 AND id = $2",
        firm_id,
        staff_id,
        language,
    )


async def deactivate_staff(conn: Connection, firm_id: UUID, staff_id: UUID) -> None:
    await conn.execute(
        "UPDATE staff SET active = false WHERE firm_id = $1 AND id = $2", firm_id, staff_id
    )


async def mark_staff_registered(conn: Connection, firm_id: UUID, staff_id: UUID) -> None:
    await conn.execute(
        "UPDATE staff SET registered = true WHERE firm_id = $1 AND id = $2", firm_id, staff_id
    )


async def insert_assignment(
    conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID
) -> bool:
    done = await conn.fetchval(
        """INSERT INTO staff_assignments (firm_id, staff_id, client_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        firm_id,
        staff_id,
        client_id,
    )
    return bool(done)


async def list_assigned_clients(
    conn: Connection, firm_id: UUID, staff_id: UUID
) -> list[tuple[UUID, str]]:
    """(client id, name) of the clients assigned to a staff user, by name."""
    rows = await conn.fetch(
        """SELECT c.id, c.name FROM staff_assignments a
             JOIN clients c ON c.firm_id = a.firm_id AND c.id = a.client_id
            WHERE a.firm_id = $1 AND a.staff_id = $2 ORDER BY c.name, c.id""",
        firm_id,
        staff_id,
    )
    return [(row["id"], row["name"]) for row in rows]


async def delete_assignment(
    conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID
) -> bool:
    done = await conn.fetchval(
        """DELETE FROM staff_assignments
           WHERE firm_id = $1 AND staff_id = $2 AND client_id = $3 RETURNING true""",
        firm_id,
        staff_id,
        client_id,
    )
    return bool(done)


async def is_assigned(conn: Connection, firm_id: UUID, staff_id: UUID, client_id: UUID) -> bool:
    found = await conn.fetchval(
        """SELECT true FROM staff_assignments
           WHERE firm_id = $1 AND staff_id = $2 AND client_id = $3""",
        firm_id,
        staff_id,
        client_id,
    )
    return bool(found)


async def list_staff_memberships(conn: Connection, account_id: UUID) -> list[tuple[Staff, str]]:
    """Across firms by design: the account's own staff memberships, what its sign-in opens."""
    rows = await conn.fetch(
        f"""SELECT q.*, f.name AS firm_name
            FROM ({_STAFF} WHERE s.account_id = $1 AND s.active AND s.registered) q
            JOIN firms f ON f.id = q.firm_id ORDER BY q.firm_id""",
        account_id,
    )
    return [
        (Staff(**{k: v for k, v in r.items() if k != "firm_name"}), r["firm_name"]) for r in rows
    ]


async def insert_sign_up(conn: Connection, sign_up: NewSignUp) -> None:
    """A sign-up waiting for its link to be opened. Across firms by design: no firm exists
    yet."""
    await conn.execute(
        """INSERT INTO sign_ups (token_hash, email, details, expires_at)
           VALUES ($1, $2, $3::jsonb, $4)""",
        sign_up.token_hash, sign_up.email, sign_up.details.model_dump_json(), sign_up.expires_at,
    )  # fmt: skip


async def lock_sign_up(conn: Connection, token_hash: bytes) -> PendingSignUp | None:
    """A live sign-up, locked against a racing confirmation; used, expired or unknown → None.
    Across firms by design: no firm exists yet."""
    row = await conn.fetchrow(
        """SELECT email, details FROM sign_ups
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE""",
        token_hash,
    )
    if row is None:
        return None
    return PendingSignUp(email=row["email"], details=SignUp.model_validate_json(row["details"]))


async def use_sign_up(conn: Connection, token_hash: bytes) -> None:
    """Across firms by design: no firm exists yet."""
    await conn.execute("UPDATE sign_ups SET used_at = now() WHERE token_hash = $1", token_hash)
