"""Documents and their versions."""

from uuid import UUID

from services.documents.models import DocumentRow, NewDocument, NewVersion, VersionRow
from shared.database import Connection

_DOC = """id, firm_id, client_id, folder_id, name, created_by, created_by_kind, created_at,
          updated_at, finalised_at, current_version_id, size, content_type, version_count"""
_VERSION = """id, document_id, number, object_key, size, sha256, content_type, reservation_key,
              created_by, created_at"""
_DOC_D = ", ".join("d." + column.strip() for column in _DOC.split(","))
_SORT = {"name": "name", "date": "updated_at", "size": "size"}


async def get_document(conn: Connection, firm_id: UUID, document_id: UUID) -> DocumentRow | None:
    row = await conn.fetchrow(
        f"SELECT {_DOC} FROM documents WHERE firm_id = $1 AND id = $2", firm_id, document_id
    )
    return DocumentRow(**dict(row)) if row else None


async def lock_document(conn: Connection, firm_id: UUID, document_id: UUID) -> DocumentRow | None:
    row = await conn.fetchrow(
        f"SELECT {_DOC} FROM documents WHERE firm_id = $1 AND id = $2 FOR UPDATE",
        firm_id, document_id,
    )  # fmt: skip
    return DocumentRow(**dict(row)) if row else None


async def lock_by_name(
    conn: Connection, firm_id: UUID, folder_id: UUID, name: str
) -> DocumentRow | None:
    row = await conn.fetchrow(
        f"""SELECT {_DOC} FROM documents
             WHERE firm_id = $1 AND folder_id = $2 AND name = $3 FOR UPDATE""",
        firm_id, folder_id, name,
    )  # fmt: skip
    return DocumentRow(**dict(row)) if row else None


async def names_in(conn: Connection, firm_id: UUID, folder_id: UUID) -> set[str]:
    rows = await conn.fetch(
        "SELECT name FROM documents WHERE firm_id = $1 AND folder_id = $2", firm_id, folder_id
    )
    return {r["name"] for r in rows}


async def insert_document(conn: Connection, new: NewDocument) -> None:
    await conn.execute(
        """INSERT INTO documents (id, firm_id, client_id, folder_id, name, created_by,
                                  created_by_kind) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        new.id, new.firm_id, new.client_id, new.folder_id, new.name, new.created_by,
        new.created_by_kind,
    )  # fmt: skip


async def insert_version(conn: Connection, version: NewVersion) -> DocumentRow:
    """Add a version as the next number and make it the document's current one."""
    row = await conn.fetchrow(
        f"""WITH v AS (
               INSERT INTO versions (id, document_id, firm_id, number, object_key, size, sha256,
                                     content_type, reservation_key, created_by)
               SELECT $1, $2, $3, coalesce(max(number), 0) + 1, $4, $5, $6, $7, $8, $9
                 FROM versions WHERE document_id = $2
               RETURNING id, number)
            UPDATE documents d SET current_version_id = v.id, size = $5, content_type = $7,
                   version_count = d.version_count + 1, updated_at = now()
              FROM v WHERE d.id = $2 RETURNING {_DOC_D}""",
        version.id, version.document_id, version.firm_id, version.object_key, version.size,
        version.sha256, version.content_type, version.reservation_key, version.created_by,
    )  # fmt: skip
    return DocumentRow(**dict(row))


async def get_version(
    conn: Connection, firm_id: UUID, document_id: UUID, version_id: UUID
) -> VersionRow | None:
    row = await conn.fetchrow(
        f"SELECT {_VERSION} FROM versions WHERE firm_id = $1 AND document_id = $2 AND id = $3",
        firm_id, document_id, version_id,
    )  # fmt: skip
    return VersionRow(**dict(row)) if row else None


async def list_versions(conn: Connection, firm_id: UUID, document_id: UUID) -> list[VersionRow]:
    rows = await conn.fetch(
        f"""SELECT {_VERSION} FROM versions WHERE firm_id = $1 AND document_id = $2
             ORDER BY number DESC""",
        firm_id, document_id,
    )  # fmt: skip
    return [VersionRow(**dict(r)) for r in rows]


async def delete_version(
    conn: Connection, firm_id: UUID, document_id: UUID, version_id: UUID
) -> DocumentRow:
    """Remove one version; the newest remaining one becomes current."""
    await conn.execute(
        "DELETE FROM versions WHERE firm_id = $1 AND document_id = $2 AND id = $3",
        firm_id, document_id, version_id,
    )  # fmt: skip
    row = await conn.fetchrow(
        f"""UPDATE documents d SET current_version_id = v.id, size = v.size,
                   content_type = v.content_type, version_count = d.version_count - 1,
                   updated_at = now()
              FROM (SELECT id, size, content_type FROM versions
                     WHERE firm_id = $1 AND document_id = $2
                     ORDER BY number DESC LIMIT 1) v
             WHERE d.firm_id = $1 AND d.id = $2 RETURNING {_DOC_D}""",
        firm_id, document_id,
    )  # fmt: skip
    return DocumentRow(**dict(row))


async def delete_document(conn: Connection, firm_id: UUID, document_id: UUID) -> None:
    await conn.execute("DELETE FROM documents WHERE firm_id = $1 AND id = $2", firm_id, document_id)


async def rename_document(
    conn: Connection, firm_id: UUID, document_id: UUID, name: str
) -> DocumentRow | None:
    """None when another document of the folder already has the name."""
    row = await conn.fetchrow(
        f"""UPDATE documents SET name = $3, updated_at = now() WHERE firm_id = $1 AND id = $2
               AND NOT EXISTS (SELECT 1 FROM documents o WHERE o.folder_id = documents.folder_id
                               AND o.name = $3 AND o.id <> $2)
            RETURNING {_DOC}""",
        firm_id, document_id, name,
    )  # fmt: skip
    return DocumentRow(**dict(row)) if row else None


async def finalise_document(conn: Connection, firm_id: UUID, document_id: UUID) -> DocumentRow:
    row = await conn.fetchrow(
        f"""UPDATE documents SET finalised_at = now(), updated_at = now()
             WHERE firm_id = $1 AND id = $2 RETURNING {_DOC}""",
        firm_id, document_id,
    )  # fmt: skip
    return DocumentRow(**dict(row))


async def page_documents(
    conn: Connection, firm_id: UUID, folder_id: UUID, *, limit: int, offset: int, sort: str,
    order: str, q: str | None, folder_total: int,
) -> tuple[list[DocumentRow], int]:  # fmt: skip
    """One page, sorted, optionally filtered by a name fragment; and the total matching.

    Unfiltered, the total is the folder's own counter (`folder_total`, kept by a trigger in
    the documents' transactions): counting the matches with the page (`count(*) OVER ()`)
    reads the whole folder before the LIMIT, 17 to 28 ms at 10,000 documents (bench.load)."""
    direction = "DESC" if order == "desc" else "ASC"
    if not q:
        rows = await conn.fetch(
            f"""SELECT {_DOC} FROM documents WHERE firm_id = $1 AND folder_id = $2
                 ORDER BY {_SORT[sort]} {direction}, id LIMIT $3 OFFSET $4""",
            firm_id, folder_id, limit, offset,
        )  # fmt: skip
        return [DocumentRow(**dict(r)) for r in rows], folder_total
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetch(
        f"""SELECT {_DOC}, count(*) OVER () AS total FROM documents
             WHERE firm_id = $1 AND folder_id = $2 AND name ILIKE $3
             ORDER BY {_SORT[sort]} {direction}, id LIMIT $4 OFFSET $5""",
        firm_id, folder_id, pattern, limit, offset,
    )  # fmt: skip
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        total = await conn.fetchval(
            "SELECT count(*) FROM documents WHERE firm_id = $1 AND folder_id = $2 AND "
            "name ILIKE $3",
            firm_id, folder_id, pattern,
        )  # fmt: skip
    return [DocumentRow(**{k: v for k, v in r.items() if k != "total"}) for r in rows], total


async def list_created_since(
    conn: Connection, firm_id: UUID, folder_ids: list[UUID], since: object
) -> list[DocumentRow]:
    rows = await conn.fetch(
        f"""SELECT {_DOC} FROM documents WHERE firm_id = $1 AND folder_id = ANY($2::uuid[])
               AND ($3::timestamptz IS NULL OR updated_at > $3)
             ORDER BY updated_at DESC LIMIT 500""",
        firm_id, folder_ids, since,
    )  # fmt: skip
    return [DocumentRow(**dict(r)) for r in rows]


async def get_by_name(
    conn: Connection, firm_id: UUID, folder_id: UUID, name: str
) -> DocumentRow | None:
    row = await conn.fetchrow(
        f"SELECT {_DOC} FROM documents WHERE firm_id = $1 AND folder_id = $2 AND name = $3",
        firm_id, folder_id, name,
    )  # fmt: skip
    return DocumentRow(**dict(row)) if row else None
