"""Email deliveries: queueing, the worker's claims, and outcomes.

A delivery's unique (event_id, recipient) is what sends one email per recipient however often
its event arrives; writers insert with ON CONFLICT DO NOTHING. Workers claim due rows with
`FOR UPDATE SKIP LOCKED` and push `next_attempt_at` one lease ahead in the same statement, so
no two workers (in any replica) hold the same row, and a crashed worker's rows come back.
"""

from collections.abc import Sequence
from datetime import datetime

from services.notify.models import Claimed, NewDelivery, Outcome
from shared.database import Connection

WAKE_CHANNEL = "notify_deliveries"


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
    """Claim the next due emails, across firms by design: the delivery worker sends every
    firm's mail in the order it fell due."""
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
    """Settle sent/failed rows (erasing a secret-bearing body) or schedule the retry; by the
    ids `claim_due` handed out, so across firms by design, as that claim is."""
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
