"""Document requests, their items, the files uploaded against them, and reminders sent."""

from datetime import date, datetime
from uuid import UUID

from services.documents.models import (
    ItemFile,
    ItemRow,
    NewItem,
    NewItemFile,
    NewRequest,
    RequestRow,
)
from shared.database import Connection

_REQUEST = """id, firm_id, client_id, title, message, audience_all, audience, status,
              remind_days_before, remind_on_due_date, remind_every_days_after, remind_at_most,
              created_by, created_at, updated_at, closed_at"""
_ITEM = """id, firm_id, request_id, position, title, description, due_date, folder_id, status,
           return_reason, next_reminder_at, reminders_sent, created_at, updated_at"""


async def insert_request(conn: Connection, new: NewRequest) -> RequestRow:
    s = new.schedule
    row = await conn.fetchrow(
        f"""INSERT INTO document_requests (id, firm_id, client_id, title, message, audience_all,
                   audience, status, remind_days_before, remind_on_due_date,
                   remind_every_days_after, remind_at_most, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, $11, $12)
            RETURNING {_REQUEST}""",
        new.id, new.firm_id, new.client_id, new.title, new.message, new.audience_all,
        new.audience, s.days_before, s.on_due_date, s.every_days_after, s.at_most,
        new.created_by,
    )  # fmt: skip
    return RequestRow(**dict(row))


async def get_request(conn: Connection, firm_id: UUID, request_id: UUID) -> RequestRow | None:
    row = await conn.fetchrow(
        f"SELECT {_REQUEST} FROM document_requests WHERE firm_id = $1 AND id = $2",
        firm_id, request_id,
    )  # fmt: skip
    return RequestRow(**dict(row)) if row else None


async def lock_request(conn: Connection, firm_id: UUID, request_id: UUID) -> RequestRow | None:
    row = await conn.fetchrow(
        f"SELECT {_REQUEST} FROM document_requests WHERE firm_id = $1 AND id = $2 FOR UPDATE",
        firm_id, request_id,
    )  # fmt: skip
    return RequestRow(**dict(row)) if row else None


async def update_request(
    conn: Connection, firm_id: UUID, request_id: UUID, *, title: str, message: str,
    schedule: tuple[list[int], bool, int, int], status: str, closed_at: datetime | None,
) -> RequestRow:  # fmt: skip
    before, on_day, every, at_most = schedule
    row = await conn.fetchrow(
        f"""UPDATE document_requests
               SET title = $3, message = $4, remind_days_before = $5, remind_on_due_date = $6,
                   remind_every_days_after = $7, remind_at_most = $8, status = $9,
                   closed_at = $10, updated_at = now()
             WHERE firm_id = $1 AND id = $2 RETURNING {_REQUEST}""",
        firm_id, request_id, title, message, before, on_day, every, at_most, status, closed_at,
    )  # fmt: skip
    return RequestRow(**dict(row))


async def list_client_requests(
    conn: Connection, firm_id: UUID, client_id: UUID, contact_id: UUID | None,
    status: str | None, limit: int,
) -> list[RequestRow]:  # fmt: skip
    """The client's requests, newest first; with `contact_id`, only those asking that contact
    (all portal contacts, or chosen)."""
    rows = await conn.fetch(
        f"""SELECT {_REQUEST} FROM document_requests
             WHERE firm_id = $1 AND client_id = $2
               AND ($3::uuid IS NULL OR audience_all OR $3 = ANY(audience))
               AND ($4::text IS NULL OR status = $4)
             ORDER BY created_at DESC, id LIMIT $5""",
        firm_id, client_id, contact_id, status, limit,
    )  # fmt: skip
    return [RequestRow(**dict(r)) for r in rows]


async def list_firm_requests(
    conn: Connection, firm_id: UUID, assigned_to: UUID | None, status: str | None,
    overdue_before: date | None, limit: int,
) -> list[RequestRow]:  # fmt: skip
    """Requests across the firm, oldest first; with `assigned_to`, only at that member's
    clients; with `overdue_before`, only those with an item still waiting for the customer
    that was due before that day."""
    rows = await conn.fetch(
        f"""SELECT {_REQUEST} FROM document_requests q
             WHERE q.firm_id = $1 AND q.closed_at IS NULL
               AND ($2::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM staff_assignments s WHERE s.firm_id = $1 AND s.staff_id = $2
                      AND s.client_id = q.client_id AND s.assigned))
               AND ($3::text IS NULL OR q.status = $3)
               AND ($4::date IS NULL OR EXISTS (
                   SELECT 1 FROM request_items i WHERE i.firm_id = $1 AND i.request_id = q.id
                      AND i.status IN ('open', 'returned') AND i.due_date < $4))
             ORDER BY q.created_at, q.id LIMIT $5""",
        firm_id, assigned_to, status, overdue_before, limit,
    )  # fmt: skip
    return [RequestRow(**dict(r)) for r in rows]


async def insert_item(conn: Connection, new: NewItem) -> ItemRow:
    row = await conn.fetchrow(
        f"""INSERT INTO request_items (id, firm_id, request_id, position, title, description,
                                       due_date, folder_id, status, next_reminder_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9) RETURNING {_ITEM}""",
        new.id, new.firm_id, new.request_id, new.position, new.title, new.description,
        new.due_date, new.folder_id, new.next_reminder_at,
    )  # fmt: skip
    return ItemRow(**dict(row))


async def list_items(conn: Connection, firm_id: UUID, request_ids: list[UUID]) -> list[ItemRow]:
    rows = await conn.fetch(
        f"""SELECT {_ITEM} FROM request_items WHERE firm_id = $1 AND request_id = ANY($2::uuid[])
             ORDER BY request_id, position""",
        firm_id, request_ids,
    )  # fmt: skip
    return [ItemRow(**dict(r)) for r in rows]


async def lock_items(conn: Connection, firm_id: UUID, request_id: UUID) -> list[ItemRow]:
    rows = await conn.fetch(
        f"""SELECT {_ITEM} FROM request_items WHERE firm_id = $1 AND request_id = $2
             ORDER BY position FOR UPDATE""",
        firm_id, request_id,
    )  # fmt: skip
    return [ItemRow(**dict(r)) for r in rows]


async def update_item(
    conn: Connection, item: ItemRow, *, title: str, description: str, due_date: date,
    folder_id: UUID, status: str, return_reason: str, next_reminder_at: datetime | None,
) -> ItemRow:  # fmt: skip
    row = await conn.fetchrow(
        f"""UPDATE request_items
               SET title = $3, description = $4, due_date = $5, folder_id = $6, status = $7,
                   return_reason = $8, next_reminder_at = $9, updated_at = now()
             WHERE firm_id = $1 AND id = $2 RETURNING {_ITEM}""",
        item.firm_id, item.id, title, description, due_date, folder_id, status, return_reason,
        next_reminder_at,
    )  # fmt: skip
    return ItemRow(**dict(row))


async def insert_item_file(conn: Connection, new: NewItemFile) -> None:
    await conn.execute(
        """INSERT INTO request_item_files (item_id, firm_id, document_id, version_id, name, size,
                                           uploaded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        new.item_id, new.firm_id, new.document_id, new.version_id, new.name, new.size,
        new.uploaded_by,
    )  # fmt: skip


async def list_item_files(
    conn: Connection, firm_id: UUID, item_ids: list[UUID]
) -> list[tuple[UUID, ItemFile]]:
    rows = await conn.fetch(
        """SELECT item_id, document_id, version_id, name, size, uploaded_by, uploaded_at
             FROM request_item_files WHERE firm_id = $1 AND item_id = ANY($2::uuid[])
            ORDER BY uploaded_at, version_id""",
        firm_id, item_ids,
    )  # fmt: skip
    return [
        (r["item_id"], ItemFile(**{k: v for k, v in r.items() if k != "item_id"})) for r in rows
    ]


async def item_documents(conn: Connection, firm_id: UUID, item_id: UUID) -> set[UUID]:
    """The documents already holding files of this item (a same-named upload versions them)."""
    rows = await conn.fetch(
        "SELECT DISTINCT document_id FROM request_item_files WHERE firm_id = $1 AND item_id = $2",
        firm_id, item_id,
    )  # fmt: skip
    return {r["document_id"] for r in rows}


async def lock_due_items(conn: Connection, now: datetime, limit: int) -> list[ItemRow]:
    """Across firms by design: items whose next reminder has come, locked, skipping those
    another replica holds."""
    rows = await conn.fetch(
        f"""SELECT {_ITEM} FROM request_items
             WHERE next_reminder_at <= $1 ORDER BY next_reminder_at
             LIMIT $2 FOR UPDATE SKIP LOCKED""",
        now, limit,
    )  # fmt: skip
    return [ItemRow(**dict(r)) for r in rows]


async def insert_reminder(
    conn: Connection, item: ItemRow, remind_at: datetime, contacts: list[UUID]
) -> bool:
    """False if this item was already reminded at this time (by any replica)."""
    inserted = await conn.fetchval(
        """INSERT INTO request_reminders (item_id, firm_id, remind_at, contacts)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
        item.id, item.firm_id, remind_at, contacts,
    )  # fmt: skip
    return bool(inserted)


async def set_next_reminder(
    conn: Connection, item: ItemRow, next_at: datetime | None, sent: int
) -> None:
    await conn.execute(
        """UPDATE request_items SET next_reminder_at = $3, reminders_sent = $4
            WHERE firm_id = $1 AND id = $2""",
        item.firm_id, item.id, next_at, sent,
    )  # fmt: skip
