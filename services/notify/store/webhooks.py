"""Webhook endpoints and their deliveries.

A delivery's unique (event_id, endpoint_id) is what sends an event once to an endpoint however
often the event arrives. The worker claims due deliveries of enabled endpoints with
`FOR UPDATE SKIP LOCKED`, pushing `next_attempt_at` one lease ahead in the same statement, so
no two workers (in any replica) hold the same delivery and a crashed worker's come back.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.notify.webhooks.models import (
    Attempt,
    ClaimedDelivery,
    EndpointRow,
    Secrets,
    WebhookDelivery,
)
from shared.database import Connection

WAKE_CHANNEL = "notify_webhooks"
_ENDPOINT = """id, firm_id, url, description, event_types, enabled, disabled_reason,
               previous_secret_until, failing_since, created_at, updated_at"""
_DELIVERY = """id, event_id, event_type, state, attempts, created_at,
               CASE WHEN state = 'pending' THEN next_attempt_at END AS next_attempt_at,
               last_attempt_at, response_status, response_body, latency_ms, error"""


def _endpoint(row: Any) -> EndpointRow:
    return EndpointRow(**{**dict(row), "event_types": list(row["event_types"])})


async def insert_endpoint(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, url: str, description: str,
    event_types: list[str], sealed: bytes, now: datetime,
) -> EndpointRow:  # fmt: skip
    row = await conn.fetchrow(
        f"""INSERT INTO webhook_endpoints (id, firm_id, url, description, event_types,
                                          secret_sealed, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {_ENDPOINT}""",
        endpoint_id, firm_id, url, description, event_types, sealed, now,
    )  # fmt: skip
    return _endpoint(row)


async def list_endpoints(conn: Connection, firm_id: UUID) -> list[EndpointRow]:
    rows = await conn.fetch(
        f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE firm_id = $1 ORDER BY created_at, id",
        firm_id,
    )
    return [_endpoint(r) for r in rows]


async def get_endpoint(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, *, lock: bool = False
) -> EndpointRow | None:
    row = await conn.fetchrow(
        f"""SELECT {_ENDPOINT} FROM webhook_endpoints WHERE firm_id = $1 AND id = $2
            {"FOR UPDATE" if lock else ""}""",
        firm_id, endpoint_id,
    )  # fmt: skip
    return _endpoint(row) if row else None


async def get_secrets(conn: Connection, firm_id: UUID, endpoint_id: UUID) -> Secrets | None:
    row = await conn.fetchrow(
        """SELECT secret_sealed, previous_secret_sealed, previous_secret_until
           FROM webhook_endpoints WHERE firm_id = $1 AND id = $2""",
        firm_id, endpoint_id,
    )  # fmt: skip
    return Secrets(*row) if row else None


async def update_endpoint(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, *, url: str, description: str,
    event_types: list[str], enabled: bool, disabled_reason: str | None,
    failing_since: datetime | None, now: datetime,
) -> EndpointRow:  # fmt: skip
    row = await conn.fetchrow(
        f"""UPDATE webhook_endpoints
            SET url = $3, description = $4, event_types = $5, enabled = $6,
                disabled_reason = $7, failing_since = $8, updated_at = $9
            WHERE firm_id = $1 AND id = $2 RETURNING {_ENDPOINT}""",
        firm_id, endpoint_id, url, description, event_types, enabled, disabled_reason,
        failing_since, now,
    )  # fmt: skip
    return _endpoint(row)


async def update_secrets(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, sealed: bytes,
    previous: bytes | None, previous_until: datetime | None, now: datetime,
) -> None:  # fmt: skip
    await conn.execute(
        """UPDATE webhook_endpoints
           SET secret_sealed = $3, previous_secret_sealed = $4, previous_secret_until = $5,
               updated_at = $6
           WHERE firm_id = $1 AND id = $2""",
        firm_id, endpoint_id, sealed, previous, previous_until, now,
    )  # fmt: skip


async def delete_endpoint(conn: Connection, firm_id: UUID, endpoint_id: UUID) -> bool:
    """The endpoint and (by cascade) its delivery log."""
    done = await conn.fetchval(
        "DELETE FROM webhook_endpoints WHERE firm_id = $1 AND id = $2 RETURNING true",
        firm_id, endpoint_id,
    )  # fmt: skip
    return bool(done)


async def list_subscribed(conn: Connection, firm_id: UUID, event_type: str) -> list[UUID]:
    """The firm's enabled endpoints that asked for this type of event."""
    rows = await conn.fetch(
        """SELECT id FROM webhook_endpoints
           WHERE firm_id = $1 AND enabled AND $2 = ANY(event_types)""",
        firm_id, event_type,
    )  # fmt: skip
    return [r["id"] for r in rows]


async def insert_deliveries(
    conn: Connection, firm_id: UUID, endpoint_ids: Sequence[UUID], event_id: UUID,
    event_type: str, payload: str, now: datetime,
) -> None:  # fmt: skip
    """Queue the event for each endpoint, once; the worker wakes when the caller commits."""
    if not endpoint_ids:
        return
    await conn.execute(
        """INSERT INTO webhook_deliveries (id, firm_id, endpoint_id, event_id, event_type,
                                           payload, state, next_attempt_at, created_at)
           SELECT gen_random_uuid(), $1, e, $3, $4, $5, 'pending', $6, $6
           FROM unnest($2::uuid[]) AS e
           ON CONFLICT (event_id, endpoint_id) DO NOTHING""",
        firm_id, list(endpoint_ids), event_id, event_type, payload, now,
    )  # fmt: skip
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)


async def claim_due(conn: Connection, limit: int, lease_seconds: float) -> list[ClaimedDelivery]:
    """Claim the next due deliveries of enabled endpoints, across firms by design: the worker
    delivers every firm's events in the order they fell due."""
    rows = await conn.fetch(
        """UPDATE webhook_deliveries d
           SET attempts = d.attempts + 1,
               next_attempt_at = now() + make_interval(secs => $2)
           FROM (SELECT d.id FROM webhook_deliveries d
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled
                 WHERE d.state = 'pending' AND d.next_attempt_at <= now()
                 ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED) due,
                webhook_endpoints e
           WHERE d.id = due.id AND e.id = d.endpoint_id
           RETURNING d.id, d.firm_id, d.endpoint_id, d.event_id, d.event_type, d.payload,
                     d.attempts, e.url, e.secret_sealed, e.previous_secret_sealed,
                     e.previous_secret_until""",
        limit, lease_seconds,
    )  # fmt: skip
    return [
        ClaimedDelivery(
            r["id"],
            r["firm_id"],
            r["endpoint_id"],
            r["event_id"],
            r["event_type"],
            r["payload"],
            r["attempts"],
            r["url"],
            Secrets(r["secret_sealed"], r["previous_secret_sealed"], r["previous_secret_until"]),
        )
        for r in rows
    ]


async def record_attempts(conn: Connection, attempts: Sequence[Attempt]) -> None:
    """Each delivery's last attempt and what follows; by the ids `claim_due` handed out, so
    across firms by design, as that claim is."""
    await conn.execute(
        """UPDATE webhook_deliveries d
           SET state = a.state, response_status = a.status, response_body = a.body,
               latency_ms = a.latency, error = a.error, last_attempt_at = now(),
               next_attempt_at = now() + make_interval(secs => a.delay)
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::float8[],
                       $6::text[], $7::float8[])
                AS a(id, state, status, body, latency, error, delay)
           WHERE d.id = a.id""",
        [a.delivery_id for a in attempts], [a.state for a in attempts],
        [a.status for a in attempts], [a.body for a in attempts],
        [a.latency_ms for a in attempts], [a.error for a in attempts],
        [a.delay for a in attempts],
    )  # fmt: skip


async def update_health(
    conn: Connection, succeeded: Sequence[UUID], failed: Sequence[UUID], now: datetime
) -> None:
    """A success ends an endpoint's failure run; a failure starts one if none is running.
    Across firms by design: the endpoints of deliveries `claim_due` handed out."""
    await conn.execute(
        """UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2)
           WHERE id = ANY($1) AND NOT id = ANY($3)""",
        list(failed), now, list(succeeded),
    )  # fmt: skip
    await conn.execute(
        "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ANY($1)", list(succeeded)
    )


async def disable_endpoints(
    conn: Connection, endpoint_ids: Sequence[UUID], reason: str, now: datetime,
    failing_before: datetime | None = None,
) -> list[EndpointRow]:  # fmt: skip
    """Turn off enabled endpoints (those failing since before `failing_before`, if given);
    the ones turned off now. Across firms by design: the endpoints of claimed deliveries."""
    rows = await conn.fetch(
        f"""UPDATE webhook_endpoints
            SET enabled = false, disabled_reason = $2, updated_at = $3
            WHERE id = ANY($1) AND enabled
              AND ($4::timestamptz IS NULL OR failing_since <= $4)
            RETURNING {_ENDPOINT}""",
        list(endpoint_ids), reason, now, failing_before,
    )  # fmt: skip
    return [_endpoint(r) for r in rows]


async def list_deliveries(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, before: datetime | None, limit: int
) -> list[WebhookDelivery]:
    rows = await conn.fetch(
        f"""SELECT {_DELIVERY} FROM webhook_deliveries
            WHERE firm_id = $1 AND endpoint_id = $2
              AND ($3::timestamptz IS NULL OR created_at < $3)
            ORDER BY created_at DESC, id LIMIT $4""",
        firm_id, endpoint_id, before, limit,
    )  # fmt: skip
    return [WebhookDelivery(**dict(r)) for r in rows]


async def requeue_delivery(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, delivery_id: UUID, now: datetime
) -> WebhookDelivery | None:
    """Send one delivery again, from the start of the retry schedule."""
    row = await conn.fetchrow(
        f"""UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $4
            WHERE firm_id = $1 AND endpoint_id = $2 AND id = $3 RETURNING {_DELIVERY}""",
        firm_id, endpoint_id, delivery_id, now,
    )  # fmt: skip
    if row is not None:
        await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return WebhookDelivery(**dict(row)) if row else None


async def requeue_since(
    conn: Connection, firm_id: UUID, endpoint_id: UUID, since: datetime, now: datetime
) -> int:
    """Send again every settled delivery of the endpoint created at or after `since`."""
    count = await conn.fetchval(
        """WITH again AS (
               UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $4
               WHERE firm_id = $1 AND endpoint_id = $2 AND created_at >= $3
                 AND state <> 'pending'
               RETURNING 1)
           SELECT count(*) FROM again""",
        firm_id, endpoint_id, since, now,
    )  # fmt: skip
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return int(count)


async def delete_settled_before(conn: Connection, cutoff: datetime) -> int:
    """Forget settled deliveries older than the log keeps; across firms by design
    (housekeeping)."""
    deleted = await conn.fetchval(
        """WITH gone AS (DELETE FROM webhook_deliveries
                         WHERE state <> 'pending' AND created_at < $1 RETURNING 1)
           SELECT count(*) FROM gone""",
        cutoff,
    )
    return int(deleted)
