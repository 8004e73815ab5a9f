"""Uploads in flight and bytes owed back: what the reaper settles if a process dies."""

from uuid import UUID

from services.documents.models import NewPart, NewPendingFree, NewUpload, UploadRow
from shared.database import Connection

_UPLOAD = """id, firm_id, kind, state, folder_id, name, object_key, s3_upload_id, reservation_key,
             size, part_size, created_by, created_by_kind, request_key, result_document_id,
             created_at, heartbeat_at"""


async def insert_upload(conn: Connection, new: NewUpload) -> UploadRow:
    row = await conn.fetchrow(
        f"""INSERT INTO uploads (id, firm_id, kind, state, folder_id, name, object_key,
                                 reservation_key, size, part_size, created_by, created_by_kind,
                                 request_key)
            VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12)
            RETURNING {_UPLOAD}""",
        new.id, new.firm_id, new.kind, new.folder_id, new.name, new.object_key,
        new.reservation_key, new.size, new.part_size, new.created_by, new.created_by_kind,
        new.request_key,
    )  # fmt: skip
    return UploadRow(**dict(row))


async def get_upload(conn: Connection, firm_id: UUID, upload_id: UUID) -> UploadRow | None:
    row = await conn.fetchrow(
        f"SELECT {_UPLOAD} FROM uploads WHERE firm_id = $1 AND id = $2", firm_id, upload_id
    )
    return UploadRow(**dict(row)) if row else None


async def get_upload_by_request(
    conn: Connection, firm_id: UUID, request_key: str
) -> UploadRow | None:
    row = await conn.fetchrow(
        f"""SELECT {_UPLOAD} FROM uploads
             WHERE firm_id = $1 AND request_key = $2 AND state <> 'failed'""",
        firm_id, request_key,
    )  # fmt: skip
    return UploadRow(**dict(row)) if row else None


async def lock_open_upload(conn: Connection, firm_id: UUID, upload_id: UUID) -> UploadRow | None:
    """The upload if it is still open (the reaper has not taken it); waits for its lock."""
    row = await conn.fetchrow(
        f"""SELECT {_UPLOAD} FROM uploads
             WHERE firm_id = $1 AND id = $2 AND state = 'open' FOR UPDATE""",
        firm_id, upload_id,
    )  # fmt: skip
    return UploadRow(**dict(row)) if row else None


async def set_s3_upload_id(
    conn: Connection, firm_id: UUID, upload_id: UUID, s3_upload_id: str
) -> None:
    await conn.execute(
        """UPDATE uploads SET s3_upload_id = $3, heartbeat_at = now()
            WHERE firm_id = $1 AND id = $2""",
        firm_id, upload_id, s3_upload_id,
    )  # fmt: skip


async def touch_upload(conn: Connection, firm_id: UUID, upload_id: UUID) -> None:
    await conn.execute(
        "UPDATE uploads SET heartbeat_at = now() WHERE firm_id = $1 AND id = $2 AND state = 'open'",
        firm_id, upload_id,
    )  # fmt: skip


async def set_upload_state(
    conn: Connection, firm_id: UUID, upload_id: UUID, state: str, document_id: UUID | None = None
) -> None:
    await conn.execute(
        """UPDATE uploads SET state = $3, heartbeat_at = now(),
                  result_document_id = coalesce($4, result_document_id)
            WHERE firm_id = $1 AND id = $2""",
        firm_id, upload_id, state, document_id,
    )  # fmt: skip


async def lock_stale_uploads(
    conn: Connection, open_seconds: float, multipart_seconds: float, stored_seconds: float,
    limit: int = 20,
) -> list[UploadRow]:  # fmt: skip
    """Uploads whose owner went silent (open) or whose billing commit is still owed (stored),
    across firms by design: the reaper settles every firm's. SKIP LOCKED: each replica's
    reaper takes different rows, a live owner's row is never taken while the owner holds it."""
    rows = await conn.fetch(
        f"""SELECT {_UPLOAD} FROM uploads
             WHERE (state = 'open' AND kind <> 'multipart'
                    AND heartbeat_at < now() - make_interval(secs => $1))
                OR (state = 'open' AND kind = 'multipart'
                    AND heartbeat_at < now() - make_interval(secs => $2))
                OR (state = 'stored' AND heartbeat_at < now() - make_interval(secs => $3))
             ORDER BY heartbeat_at LIMIT $4 FOR UPDATE SKIP LOCKED""",
        open_seconds, multipart_seconds, stored_seconds, limit,
    )  # fmt: skip
    return [UploadRow(**dict(r)) for r in rows]


async def insert_pending_free(conn: Connection, owed: NewPendingFree) -> None:
    await conn.execute(
        """INSERT INTO pending_frees (version_id, firm_id, object_key, size)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
        owed.version_id, owed.firm_id, owed.object_key, owed.size,
    )  # fmt: skip


async def lock_pending_frees(
    conn: Connection, version_ids: list[UUID] | None, limit: int = 50
) -> list[tuple[UUID, UUID, str, int]]:
    """The named debts (None: any), across firms by design: each carries its firm, and the
    reaper settles every firm's; a route names only versions it has just deleted by firm."""
    rows = await conn.fetch(
        """SELECT version_id, firm_id, object_key, size FROM pending_frees
            WHERE $1::uuid[] IS NULL OR version_id = ANY($1::uuid[])
            ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
        version_ids, limit,
    )  # fmt: skip
    return [(r["version_id"], r["firm_id"], r["object_key"], r["size"]) for r in rows]


async def delete_pending_free(conn: Connection, version_id: UUID) -> None:
    """Across firms by design: a debt just settled, locked by `lock_pending_frees`."""
    await conn.execute("DELETE FROM pending_frees WHERE version_id = $1", version_id)


async def upsert_part(conn: Connection, part: NewPart) -> None:
    """Reached through the upload, loaded by firm (`get_upload`) in the same request."""
    await conn.execute(
        """INSERT INTO upload_parts (upload_id, number, etag, size) VALUES ($1, $2, $3, $4)
           ON CONFLICT (upload_id, number) DO UPDATE SET etag = $3, size = $4""",
        part.upload_id, part.number, part.etag, part.size,
    )  # fmt: skip
    await conn.execute(
        "UPDATE uploads SET heartbeat_at = now() WHERE id = $1 AND state = 'open'", part.upload_id
    )


async def list_parts(conn: Connection, upload_id: UUID) -> list[tuple[int, str, int]]:
    """Reached through the upload, loaded by firm (`get_upload`) in the same request."""
    rows = await conn.fetch(
        "SELECT number, etag, size FROM upload_parts WHERE upload_id = $1 ORDER BY number",
        upload_id,
    )
    return [(r["number"], r["etag"], r["size"]) for r in rows]
