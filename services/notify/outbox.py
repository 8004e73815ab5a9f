"""SQL of notify's own outbox: feed entries, email deliveries, claims and outcomes.

A delivery's unique (event_id, recipient) is what sends one email per recipient however often
its event arrives; writers insert with ON CONFLICT DO NOTHING. Workers claim due rows with
`FOR UPDATE SKIP LOCKED` and push `next_attempt_at` one lease ahead in the same statement, so
no two workers (in any replica) hold the same row, and a crashed worker's rows come back.
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from services.notify.models import Claimed, NewDelivery, NewNotification, Outcome
from shared.database import Connection

WAKE_CHANNEL = "notify_deliveries"


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


async def insert_deliveries(conn: Connection, rows: Sequence[NewDelivery], now: datetime) -> None:
    """Queue emails; the worker is woken when the caller's transaction commits."""
    if not rows:
        return
    columns = list(zip(*((
        r.id, r.event_id, r.recipient, r.firm_id, r.kind, r.email, r.subject, r.text_body,
        r.html_body, r.secret,
    ) for r in rows), strict=True))  # fmt: skip
    await conn.execute(
        """INSERT INTO deliveries
               (id, event_id, recipient, firm_id, kind, email, subject, text_body, html_body,
                secret, state, next_attempt_at, created_at)
           SELECT *, 'queued', $11::timestamptz, $11::timestamptz
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[],
                       $7::text[], $8::text[], $9::text[], $10::bool[])
           ON CONFLICT (event_id, recipient) DO NOTHING""",
        *[list(c) for c in columns], now,
    )  # fmt: skip
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)


async def claim_due(conn: Connection, limit: int, lease_seconds: float) -> list[Claimed]:
    rows = await conn.fetch(
        """UPDATE deliveries d
           SET attempts = d.attempts + 1,
               next_attempt_at = now() + make_interval(secs => $2)
           FROM (SELECT id FROM deliveries
                 WHERE state = 'queued' AND next_attempt_at <= now()
                 ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
           WHERE d.id = due.id
           RETURNING d.id, d.kind, d.email, d.subject, d.text_body, d.html_body, d.attempts""",
        limit, lease_seconds,
    )  # fmt: skip
    return [Claimed(**dict(r)) for r in rows]


async def record_outcomes(conn: Connection, outcomes: Sequence[Outcome]) -> None:
    """Settle sent/failed rows (erasing a secret-bearing body) or schedule the retry."""
    await conn.execute(
        """UPDATE deliveries d
           SET state = o.state, last_reply = o.reply,
               next_attempt_at = now() + make_interval(secs => o.delay),
               settled_at = CASE WHEN o.state = 'queued' THEN NULL ELSE now() END,
               text_body = CASE WHEN d.secret AND o.state <> 'queued'
                                THEN NULL ELSE d.text_body END,
               html_body = CASE WHEN d.secret AND o.state <> 'queued'
                                THEN NULL ELSE d.html_body END
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[])
                AS o(id, state, reply, delay)
           WHERE d.id = o.id""",
        [o.id for o in outcomes], [o.state for o in outcomes],
        [o.reply for o in outcomes], [o.delay for o in outcomes],
    )  # fmt: skip


async def list_digest_owners(conn: Connection) -> list[tuple[UUID, UUID, str | None, object]]:
    """Users with digest entries waiting, with their time zone and last digest date."""
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
