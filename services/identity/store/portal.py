"""Firm portal settings and personal secret links."""

from collections.abc import Sequence
from uuid import UUID

from shared.database import Connection


async def get_settings(conn: Connection, firm_id: UUID) -> tuple[list[str], bool]:
    """On the firm's own row (`id` is the firm id), reached through the token's firm."""
    row = await conn.fetchrow(
        "SELECT sign_in_methods, portal_access_default FROM firms WHERE id = $1", firm_id
    )
    return list(row["sign_in_methods"]), row["portal_access_default"]


async def update_settings(
    conn: Connection, firm_id: UUID, methods: Sequence[str], access_default: bool
) -> None:
    """On the firm's own row (`id` is the firm id), reached through the token's firm."""
    await conn.execute(
        """UPDATE firms SET sign_in_methods = $2, portal_access_default = $3, updated_at = now()
           WHERE id = $1""",
        firm_id,
        methods,
        access_default,
    )


async def list_contacts_without_access(conn: Connection, firm_id: UUID) -> list[UUID]:
    rows = await conn.fetch(
        """SELECT id FROM contacts WHERE firm_id = $1 AND NOT portal_access
             AND (email IS NOT NULL OR personal_number_digest IS NOT NULL) ORDER BY created_at""",
        firm_id,
    )
    return [row["id"] for row in rows]


async def replace_secret_link(
    conn: Connection, firm_id: UUID, contact_id: UUID, token_hash: bytes
) -> None:
    await conn.execute(
        """INSERT INTO secret_links (contact_id, firm_id, token_hash) VALUES ($1, $2, $3)
           ON CONFLICT (contact_id)
           DO UPDATE SET token_hash = excluded.token_hash, created_at = now()""",
        contact_id,
        firm_id,
        token_hash,
    )


async def delete_secret_link(conn: Connection, firm_id: UUID, contact_id: UUID) -> bool:
    done = await conn.fetchval(
        "DELETE FROM secret_links WHERE firm_id = $1 AND contact_id = $2 RETURNING true",
        firm_id,
        contact_id,
    )
    return bool(done)


async def find_secret_link(conn: Connection, token_hash: bytes) -> tuple[UUID, UUID] | None:
    """(firm, contact) of a secret link: across firms by design, it is found by its token
    alone before anyone is signed in; the contact is then loaded by that firm."""
    row = await conn.fetchrow(
        "SELECT firm_id, contact_id FROM secret_links WHERE token_hash = $1", token_hash
    )
    return (row["firm_id"], row["contact_id"]) if row else None


async def insert_secret_link_use(
    conn: Connection, firm_id: UUID, contact_id: UUID, source: str
) -> None:
    await conn.execute(
        "INSERT INTO secret_link_uses (firm_id, contact_id, source) VALUES ($1, $2, $3)",
        firm_id,
        contact_id,
        source,
    )
