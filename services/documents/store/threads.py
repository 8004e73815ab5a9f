"""Message threads, their messages, edits, read receipts and files, and each client's folder
for message attachments."""

from datetime import datetime
from uuid import UUID

from services.documents.models import (
    MessageRow,
    NewMessage,
    NewThread,
    PreviousText,
    ReadReceipt,
    ThreadFile,
    ThreadRow,
    ThreadSummary,
)
from shared.database import Connection

_THREAD = """t.id, t.firm_id, t.client_id, t.subject, t.started_by, t.started_by_kind,
             t.created_at, t.last_message_at,
             coalesce((SELECT array_agg(c.contact_id ORDER BY c.contact_id) FROM thread_contacts c
                        WHERE c.thread_id = t.id), '{}') AS contacts"""
_MESSAGE = """id, firm_id, thread_id, author_id, author_kind, body, created_at, edited_at,
              deleted_at"""


async def insert_thread(conn: Connection, new: NewThread, contacts: list[UUID]) -> ThreadRow:
    await conn.execute(
        """INSERT INTO threads (id, firm_id, client_id, subject, started_by, started_by_kind)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        new.id, new.firm_id, new.client_id, new.subject, new.started_by, new.started_by_kind,
    )  # fmt: skip
    await conn.execute(
        """INSERT INTO thread_contacts (thread_id, firm_id, contact_id)
           SELECT $1, $2, unnest($3::uuid[])""",
        new.id, new.firm_id, contacts,
    )  # fmt: skip
    found = await get_thread(conn, new.firm_id, new.id)
    assert found is not None
    return found


async def get_thread(conn: Connection, firm_id: UUID, thread_id: UUID) -> ThreadRow | None:
    row = await conn.fetchrow(
        f"SELECT {_THREAD} FROM threads t WHERE t.firm_id = $1 AND t.id = $2", firm_id, thread_id
    )
    return ThreadRow(**dict(row)) if row else None


async def lock_thread(conn: Connection, firm_id: UUID, thread_id: UUID) -> ThreadRow | None:
    row = await conn.fetchrow(
        f"SELECT {_THREAD} FROM threads t WHERE t.firm_id = $1 AND t.id = $2 FOR UPDATE",
        firm_id, thread_id,
    )  # fmt: skip
    return ThreadRow(**dict(row)) if row else None


async def list_threads(
    conn: Connection, firm_id: UUID, client_id: UUID, contact_id: UUID | None, reader_id: UUID,
    limit: int,
) -> list[ThreadSummary]:  # fmt: skip
    """The client's threads, latest message first, each with the reader's unread count; with
    `contact_id`, only those including that contact."""
    rows = await conn.fetch(
        f"""SELECT {_THREAD},
                   (SELECT count(*) FROM messages m
                     WHERE m.firm_id = $1 AND m.thread_id = t.id AND m.deleted_at IS NULL
                       AND m.author_id <> $4
                       AND NOT EXISTS (SELECT 1 FROM message_reads r
                                        WHERE r.message_id = m.id AND r.reader_id = $4)
                   ) AS unread
              FROM threads t
             WHERE t.firm_id = $1 AND t.client_id = $2
               AND ($3::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM thread_contacts c WHERE c.thread_id = t.id AND c.contact_id = $3))
             ORDER BY t.last_message_at DESC, t.id LIMIT $5""",
        firm_id, client_id, contact_id, reader_id, limit,
    )  # fmt: skip
    return [ThreadSummary(**{k: v for k, v in r.items() if k != "firm_id"}) for r in rows]


async def unread_in(conn: Connection, firm_id: UUID, thread_id: UUID, reader_id: UUID) -> int:
    count = await conn.fetchval(
        """SELECT count(*) FROM messages m
            WHERE m.firm_id = $1 AND m.thread_id = $2 AND m.deleted_at IS NULL
              AND m.author_id <> $3
              AND NOT EXISTS (SELECT 1 FROM message_reads r
                               WHERE r.message_id = m.id AND r.reader_id = $3)""",
        firm_id, thread_id, reader_id,
    )  # fmt: skip
    return int(count)


async def touch_thread(conn: Connection, firm_id: UUID, thread_id: UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE threads SET last_message_at = $3 WHERE firm_id = $1 AND id = $2",
        firm_id, thread_id, at,
    )  # fmt: skip


async def insert_message(conn: Connection, new: NewMessage) -> MessageRow:
    row = await conn.fetchrow(
        f"""INSERT INTO messages (id, firm_id, thread_id, author_id, author_kind, body)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_MESSAGE}""",
        new.id, new.firm_id, new.thread_id, new.author_id, new.author_kind, new.body,
    )  # fmt: skip
    return MessageRow(**dict(row))


async def lock_message(
    conn: Connection, firm_id: UUID, thread_id: UUID, message_id: UUID
) -> MessageRow | None:
    row = await conn.fetchrow(
        f"""SELECT {_MESSAGE} FROM messages WHERE firm_id = $1 AND thread_id = $2 AND id = $3
             FOR UPDATE""",
        firm_id, thread_id, message_id,
    )  # fmt: skip
    return MessageRow(**dict(row)) if row else None


async def list_messages(conn: Connection, firm_id: UUID, thread_id: UUID) -> list[MessageRow]:
    rows = await conn.fetch(
        f"""SELECT {_MESSAGE} FROM messages WHERE firm_id = $1 AND thread_id = $2
             ORDER BY created_at, id""",
        firm_id, thread_id,
    )  # fmt: skip
    return [MessageRow(**dict(r)) for r in rows]


async def list_reads(
    conn: Connection, firm_id: UUID, thread_id: UUID
) -> list[tuple[UUID, ReadReceipt]]:
    rows = await conn.fetch(
        """SELECT r.message_id, r.reader_id, r.read_at FROM message_reads r
             JOIN messages m ON m.id = r.message_id
            WHERE r.firm_id = $1 AND m.firm_id = $1 AND m.thread_id = $2
            ORDER BY r.read_at""",
        firm_id, thread_id,
    )  # fmt: skip
    return [(r["message_id"], ReadReceipt(reader_id=r["reader_id"], read_at=r["read_at"]))
            for r in rows]  # fmt: skip


async def list_edits(
    conn: Connection, firm_id: UUID, thread_id: UUID
) -> list[tuple[UUID, PreviousText]]:
    rows = await conn.fetch(
        """SELECT e.message_id, e.body, e.replaced_at FROM message_edits e
             JOIN messages m ON m.id = e.message_id
            WHERE e.firm_id = $1 AND m.firm_id = $1 AND m.thread_id = $2
            ORDER BY e.replaced_at""",
        firm_id, thread_id,
    )  # fmt: skip
    return [(r["message_id"], PreviousText(body=r["body"], replaced_at=r["replaced_at"]))
            for r in rows]  # fmt: skip


async def list_files(
    conn: Connection, firm_id: UUID, thread_id: UUID
) -> list[tuple[UUID, ThreadFile]]:
    """The thread's files attached to a message, with the message they belong to."""
    rows = await conn.fetch(
        """SELECT message_id, document_id, version_id, name, size FROM thread_files
            WHERE firm_id = $1 AND thread_id = $2 AND message_id IS NOT NULL
            ORDER BY uploaded_at""",
        firm_id, thread_id,
    )  # fmt: skip
    return [(r["message_id"], ThreadFile(**{k: v for k, v in r.items() if k != "message_id"}))
            for r in rows]  # fmt: skip


async def edit_message(conn: Connection, message: MessageRow, body: str, at: datetime) -> None:
    """Keep the text it had, then change it."""
    await conn.execute(
        """INSERT INTO message_edits (message_id, firm_id, body, replaced_at)
           VALUES ($1, $2, $3, $4)""",
        message.id, message.firm_id, message.body, at,
    )  # fmt: skip
    await conn.execute(
        "UPDATE messages SET body = $3, edited_at = $4 WHERE firm_id = $1 AND id = $2",
        message.firm_id, message.id, body, at,
    )  # fmt: skip


async def delete_message(conn: Connection, message: MessageRow, at: datetime) -> None:
    """A tombstone: the text and its earlier versions go; the place in the thread stays."""
    await conn.execute(
        "DELETE FROM message_edits WHERE firm_id = $1 AND message_id = $2",
        message.firm_id, message.id,
    )  # fmt: skip
    await conn.execute(
        "UPDATE messages SET body = '', deleted_at = $3 WHERE firm_id = $1 AND id = $2",
        message.firm_id, message.id, at,
    )  # fmt: skip


async def readers_of(conn: Connection, firm_id: UUID, message_id: UUID) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT reader_id FROM message_reads WHERE firm_id = $1 AND message_id = $2",
        firm_id, message_id,
    )  # fmt: skip
    return {r["reader_id"] for r in rows}


async def mark_read(
    conn: Connection, firm_id: UUID, thread_id: UUID, reader_id: UUID, at: datetime
) -> int:
    """Every message by someone else in the thread is read by `reader_id` from now on."""
    rows = await conn.fetch(
        """INSERT INTO message_reads (message_id, firm_id, reader_id, read_at)
           SELECT id, firm_id, $3, $4 FROM messages
            WHERE firm_id = $1 AND thread_id = $2 AND author_id <> $3 AND deleted_at IS NULL
           ON CONFLICT DO NOTHING RETURNING message_id""",
        firm_id, thread_id, reader_id, at,
    )  # fmt: skip
    return len(rows)


async def insert_file(
    conn: Connection, thread: ThreadRow, uploader: UUID, file: ThreadFile
) -> None:
    await conn.execute(
        """INSERT INTO thread_files (document_id, version_id, firm_id, thread_id, uploaded_by,
                                     name, size) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        file.document_id, file.version_id, thread.firm_id, thread.id, uploader, file.name,
        file.size,
    )  # fmt: skip


async def attach_files(
    conn: Connection, thread: ThreadRow, uploader: UUID, document_ids: list[UUID],
    message_id: UUID,
) -> set[UUID]:  # fmt: skip
    """Attach the uploader's unattached files of these documents; the documents attached."""
    rows = await conn.fetch(
        """UPDATE thread_files SET message_id = $5
            WHERE firm_id = $1 AND thread_id = $2 AND uploaded_by = $3
              AND document_id = ANY($4::uuid[]) AND message_id IS NULL
           RETURNING document_id""",
        thread.firm_id, thread.id, uploader, document_ids, message_id,
    )  # fmt: skip
    return {r["document_id"] for r in rows}


async def get_thread_folder(conn: Connection, firm_id: UUID, client_id: UUID) -> UUID | None:
    return await conn.fetchval(
        "SELECT folder_id FROM thread_folders WHERE firm_id = $1 AND client_id = $2",
        firm_id, client_id,
    )  # fmt: skip


async def upsert_thread_folder(
    conn: Connection, firm_id: UUID, client_id: UUID, folder_id: UUID
) -> None:
    await conn.execute(
        """INSERT INTO thread_folders (client_id, firm_id, folder_id) VALUES ($1, $2, $3)
           ON CONFLICT (client_id) DO UPDATE SET folder_id = $3, updated_at = now()""",
        client_id, firm_id, folder_id,
    )  # fmt: skip
