"""Folders and their rules."""

from uuid import UUID

from asyncpg import Record

from services.documents.domain import Rules, Standing
from services.documents.models import FolderRow, NewFolder
from services.documents.store import replicas
from shared.database import Connection

_COLUMNS = """id, firm_id, client_id, parent_id, name, level, audience_all, audience,
              primary_manages, document_count, document_bytes, created_at, updated_at"""
# What a listing shows of each folder (FolderOut), besides its id.
_LISTED = """f.client_id, f.parent_id, f.name, f.level, f.audience_all, f.audience,
             f.primary_manages, f.document_count, f.document_bytes, f.created_at, f.updated_at"""


async def insert_folder(conn: Connection, new: NewFolder) -> FolderRow | None:
    """None when the name is taken at that place."""
    rules = new.rules
    row = await conn.fetchrow(
        f"""INSERT INTO folders (id, firm_id, client_id, parent_id, name, level, audience_all,
                                 audience, primary_manages)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT DO NOTHING RETURNING {_COLUMNS}""",
        new.id, new.firm_id, new.client_id, new.parent_id, new.name, rules.level,
        rules.audience_all, sorted(rules.audience), rules.primary_manages,
    )  # fmt: skip
    return FolderRow(**dict(row)) if row else None


async def get_folder(conn: Connection, firm_id: UUID, folder_id: UUID) -> FolderRow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM folders WHERE firm_id = $1 AND id = $2", firm_id, folder_id
    )
    return FolderRow(**dict(row)) if row else None


async def lock_folder(conn: Connection, firm_id: UUID, folder_id: UUID) -> FolderRow | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM folders WHERE firm_id = $1 AND id = $2 FOR UPDATE",
        firm_id, folder_id,
    )  # fmt: skip
    return FolderRow(**dict(row)) if row else None


async def list_folders(conn: Connection, firm_id: UUID, client_id: UUID) -> list[FolderRow]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM folders WHERE firm_id = $1 AND client_id = $2
             ORDER BY name, id""",
        firm_id, client_id,
    )  # fmt: skip
    return [FolderRow(**dict(r)) for r in rows]


async def list_folders_with_standing(
    conn: Connection, firm_id: UUID, client_id: UUID, contact_id: UUID
) -> tuple[Standing | None, list[Record]]:
    """A contact's standing at the client and the client's folders, in one statement: the
    listing a contact opens most is one round trip with no BEGIN and COMMIT around it (one
    statement is one snapshot), and its rows stay asyncpg records, which the listing turns
    into its answer without a model per row. The standing comes with no folder when the
    client has none."""
    rows = await conn.fetch(
        f"""SELECT s.*, f.id, {_LISTED}
              FROM ({replicas.STANDING}) s
              LEFT JOIN folders f ON f.firm_id = $1 AND f.client_id = $3
             ORDER BY f.name, f.id""",
        firm_id, contact_id, client_id,
    )  # fmt: skip
    standing = replicas.standing_of(rows[0], contact_id)
    return standing, [r for r in rows if r["id"] is not None]


async def update_folder(
    conn: Connection, firm_id: UUID, folder_id: UUID, *, name: str, parent_id: UUID | None,
    rules: Rules,
) -> FolderRow | None:  # fmt: skip
    """None when the new name is taken at the new place."""
    row = await conn.fetchrow(
        f"""UPDATE folders SET name = $3, parent_id = $4, level = $5, audience_all = $6,
                   audience = $7, primary_manages = $8, updated_at = now()
             WHERE firm_id = $1 AND id = $2
               AND NOT EXISTS (SELECT 1 FROM folders o WHERE o.client_id = folders.client_id
                               AND o.parent_id IS NOT DISTINCT FROM $4 AND o.name = $3
                               AND o.id <> $2)
         RETURNING {_COLUMNS}""",
        firm_id, folder_id, name, parent_id, rules.level, rules.audience_all,
        sorted(rules.audience), rules.primary_manages,
    )  # fmt: skip
    return FolderRow(**dict(row)) if row else None


async def is_within(conn: Connection, firm_id: UUID, folder_id: UUID, ancestor_id: UUID) -> bool:
    """Is `folder_id` the folder `ancestor_id` or below it (a move there would make a loop)?"""
    return bool(
        await conn.fetchval(
            """WITH RECURSIVE up(id, parent_id) AS (
                   SELECT id, parent_id FROM folders WHERE firm_id = $1 AND id = $2
                   UNION ALL
                   SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id
                    WHERE f.firm_id = $1)
               SELECT true FROM up WHERE id = $3""",
            firm_id,
            folder_id,
            ancestor_id,
        )
    )


async def folder_is_empty(conn: Connection, firm_id: UUID, folder_id: UUID) -> bool:
    return not await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM documents WHERE firm_id = $1 AND folder_id = $2)
               OR EXISTS (SELECT 1 FROM folders WHERE firm_id = $1 AND parent_id = $2)
               OR EXISTS (SELECT 1 FROM uploads
                           WHERE firm_id = $1 AND folder_id = $2 AND state = 'open')""",
        firm_id, folder_id,
    )  # fmt: skip


async def delete_folder(conn: Connection, firm_id: UUID, folder_id: UUID) -> None:
    await conn.execute("DELETE FROM folders WHERE firm_id = $1 AND id = $2", firm_id, folder_id)
