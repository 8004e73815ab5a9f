"""The in-app feed: its entries (written by the fan-out), what a user reads of it, and the
entries that wait for a daily digest.

Entries are unique per (event, user), so an event that arrives twice adds one entry; writers
insert with ON CONFLICT DO NOTHING.
"""

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from services.notify.models import NewNotification, Notification
from shared.database import Connection


async def insert_notifications(conn: Connection, rows: Sequence[NewNotification]) -> None:
    if not rows:
        return
    columns = list(zip(*((
        r.id, r.firm_id, r.user_id, r.event_id, r.kind, r.category, r.title, r.link,
        r.delivery, r.created_at,
    ) for r in rows), strict=True))  # fmt: skip
    await conn.execute(
        """INSERT INTO notifications
               (id, firm_id, user_id, event_id, kind, category, title, link, delivery, created_at)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],
                                $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
           ON CONFLICT (event_id, user_id) DO NOTHING""",
        *[list(c) for c in columns],
    )


async def list_feed(
    conn: Connection, firm_id: UUID, user_id: UUID,
    *, unread_only: bool, before: datetime | None, limit: int,
) -> list[Notification]:  # fmt: skip
    rows = await conn.fetch(
        """SELECT id, kind, category, title, link, created_at, read_at IS NOT NULL AS read
           FROM notifications
           WHERE firm_id = $1 AND user_id = $2 AND (NOT $3 OR read_at IS NULL)
             AND ($4::timestamptz IS NULL OR created_at < $4)
           ORDER BY created_at DESC, id LIMIT $5""",
        firm_id, user_id, unread_only, before, limit,
    )  # fmt: skip
    return [Notification.model_validate(dict(r)) for r in rows]


async def count_unread(conn: Connection, firm_id: UUID, user_id: UUID) -> int:
    return await conn.fetchval(
        """SELECT count(*) FROM notifications
           WHERE firm_id = $1 AND user_id = $2 AND read_at IS NULL""",
        firm_id, user_id,
    )  # fmt: skip


async def update_read(
    conn: Connection, firm_id: UUID, user_id: UUID, notification_id: UUID | None, now: datetime
) -> int:
    """Mark one (or, with None, every) unread notification of the user read; returns how many
    of theirs matched (read before or now)."""
    result = await conn.execute(
        """UPDATE notifications SET read_at = coalesce(read_at, $4)
           WHERE firm_id = $1 AND user_id = $2 AND ($3::uuid IS NULL OR id = $3)""",
        firm_id, user_id, notification_id, now,
    )  # fmt: skip
    return int(result.split()[-1])


async def list_digest_owners(conn: Connection) -> list[tuple[UUID, UUID, str | None, date | None]]:
    """Users with digest entries waiting, with their time zone and last digest date; across
    firms by design: the digest job serves every firm's users."""
    rows = await conn.fetch(
        """SELECT n.firm_id, n.user_id, s.time_zone, s.last_digest
           FROM (SELECT DISTINCT firm_id, user_id FROM notifications
                 WHERE delivery = 'daily_digest' AND digested_at IS NULL) n
           LEFT JOIN user_settings s ON s.firm_id = n.firm_id AND s.user_id = n.user_id"""
    )
    return [(r["firm_id"], r["user_id"], r["time_zone"], r["last_digest"]) for r in rows]


async def take_digest_entries(
    conn: Connection, firm_id: UUID, user_id: UUID, now: datetime
) -> list[tuple[str, str]]:
    """Mark the user's waiting digest entries as digested; returns (title, link), oldest first."""
    rows = await conn.fetch(
        """UPDATE notifications SET digested_at = $3
           WHERE firm_id = $1 AND user_id = $2 AND delivery = 'daily_digest'
             AND digested_at IS NULL
           RETURNING title, link, created_at""",
        firm_id, user_id, now,
    )  # fmt: skip
    return [(r["title"], r["link"]) for r in sorted(rows, key=lambda r: r["created_at"])]
