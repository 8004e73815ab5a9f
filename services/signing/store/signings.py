"""Queries on signing requests."""

from datetime import datetime
from typing import Any
from uuid import UUID

from services.signing.models import NewSigning, SigningRow, State
from shared.database import Connection

COLUMNS = """id, firm_id, client_id, folder_id, document_id, document_name, document_sha256,
    document_size, attachments, message, language, expires_at, reminder_days, state, credit,
    credit_attempt, halted, created_by, created_at, sent_at, closed_at, sealed_sha256, sealed_size,
    signed_document_id, unsealed"""


def _row(record: Any) -> SigningRow | None:
    return SigningRow.model_validate(dict(record)) if record is not None else None


async def insert_signing(conn: Connection, new: NewSigning) -> SigningRow:
    """A draft; its credit, sealing and closing columns start empty."""
    record = await conn.fetchrow(
        f"""INSERT INTO signings (id, firm_id, client_id, folder_id, document_id, document_name,
                document_sha256, document_size, attachments, message, language, expires_at,
                reminder_days, state, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', $14, $15)
            RETURNING {COLUMNS}""",
        new.id, new.firm_id, new.client_id, new.folder_id, new.document_id, new.document_name,
        new.document_sha256, new.document_size,
        [a.model_dump(mode="json") for a in new.attachments], new.message, new.language,
        new.expires_at, new.reminder_days, new.created_by, new.created_at,
    )  # fmt: skip
    return SigningRow.model_validate(dict(record))


async def get_signing(conn: Connection, firm_id: UUID, signing_id: UUID) -> SigningRow | None:
    record = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM signings WHERE firm_id = $1 AND id = $2", firm_id, signing_id
    )
    return _row(record)


async def lock_signing(conn: Connection, firm_id: UUID, signing_id: UUID) -> SigningRow | None:
    record = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM signings WHERE firm_id = $1 AND id = $2 FOR UPDATE",
        firm_id,
        signing_id,
    )
    return _row(record)


async def lock_signing_if_free(conn: Connection, signing_id: UUID) -> SigningRow | None:
    """For jobs, across firms by design: a request another replica is working on is skipped,
    not waited for."""
    record = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM signings WHERE id = $1 FOR UPDATE SKIP LOCKED", signing_id
    )
    return _row(record)


async def update_state(
    conn: Connection, firm_id: UUID, signing_id: UUID, state: State, at: datetime
) -> None:
    closed = None if state in ("draft", "sent") else at
    sent = at if state == "sent" else None
    await conn.execute(
        """UPDATE signings SET state = $3, closed_at = coalesce($4, closed_at),
               sent_at = coalesce($5, sent_at) WHERE firm_id = $1 AND id = $2""",
        firm_id, signing_id, state, closed, sent,
    )  # fmt: skip


async def update_credit(conn: Connection, firm_id: UUID, signing_id: UUID, credit: str) -> None:
    await conn.execute(
        "UPDATE signings SET credit = $3 WHERE firm_id = $1 AND id = $2",
        firm_id,
        signing_id,
        credit,
    )


async def update_original(
    conn: Connection, firm_id: UUID, signing_id: UUID, name: str, sha256: str, size: int
) -> None:
    await conn.execute(
        """UPDATE signings SET document_name = $3, document_sha256 = $4, document_size = $5
           WHERE firm_id = $1 AND id = $2""",
        firm_id, signing_id, name, sha256, size,
    )  # fmt: skip


async def update_halted(conn: Connection, firm_id: UUID, signing_id: UUID, why: str) -> None:
    await conn.execute(
        "UPDATE signings SET halted = $3 WHERE firm_id = $1 AND id = $2", firm_id, signing_id, why
    )


async def update_sealed(
    conn: Connection, firm_id: UUID, signing_id: UUID, sha256: str, size: int
) -> None:
    await conn.execute(
        """UPDATE signings SET sealed_sha256 = $3, sealed_size = $4, unsealed = NULL
           WHERE firm_id = $1 AND id = $2""",
        firm_id, signing_id, sha256, size,
    )  # fmt: skip


async def update_unsealed(conn: Connection, firm_id: UUID, signing_id: UUID, why: str) -> None:
    await conn.execute(
        "UPDATE signings SET unsealed = $3 WHERE firm_id = $1 AND id = $2", firm_id, signing_id, why
    )


async def get_by_sealed_sha256(conn: Connection, sha256: str) -> SigningRow | None:
    """The completed request whose sealed PDF has these bytes. Across firms by design: the
    public verify endpoint is given only the file, and the file's hash names its own request."""
    record = await conn.fetchrow(
        f"""SELECT {COLUMNS} FROM signings
            WHERE sealed_sha256 = $1 AND state = 'completed' LIMIT 1""",
        sha256,
    )
    return _row(record)


async def update_completed(
    conn: Connection, firm_id: UUID, signing_id: UUID, document_id: UUID, at: datetime
) -> None:
    await conn.execute(
        """UPDATE signings SET state = 'completed', signed_document_id = $3, closed_at = $4
           WHERE firm_id = $1 AND id = $2""",
        firm_id, signing_id, document_id, at,
    )  # fmt: skip


async def list_for_client(
    conn: Connection, firm_id: UUID, client_id: UUID, state: State | None, limit: int
) -> list[SigningRow]:
    records = await conn.fetch(
        f"""SELECT {COLUMNS} FROM signings WHERE firm_id = $1 AND client_id = $2
            AND ($3::text IS NULL OR state = $3) ORDER BY created_at DESC LIMIT $4""",
        firm_id,
        client_id,
        state,
        limit,
    )
    return [SigningRow.model_validate(dict(r)) for r in records]


async def list_staff_attention(
    conn: Connection, firm_id: UUID, client_ids: list[UUID] | None, soon: datetime, limit: int
) -> list[SigningRow]:
    """Declined, halted, unsealed or expiring-soon requests; `client_ids` None means every
    client."""
    records = await conn.fetch(
        f"""SELECT {COLUMNS} FROM signings WHERE firm_id = $1
            AND ($2::uuid[] IS NULL OR client_id = ANY($2))
            AND (state = 'declined'
                 OR (state = 'sent' AND (halted IS NOT NULL OR unsealed IS NOT NULL
                                         OR expires_at <= $3)))
            ORDER BY expires_at LIMIT $4""",
        firm_id,
        client_ids,
        soon,
        limit,
    )
    return [SigningRow.model_validate(dict(r)) for r in records]


async def list_waiting_for_contact(
    conn: Connection, firm_id: UUID, contact_id: UUID, client_id: UUID
) -> list[SigningRow]:
    records = await conn.fetch(
        f"""SELECT {COLUMNS} FROM signings s WHERE firm_id = $1 AND client_id = $3
            AND state = 'sent' AND EXISTS (
                SELECT 1 FROM parties p WHERE p.signing_id = s.id AND p.contact_id = $2
                AND p.status = 'invited' AND p.role <> 'viewer')
            ORDER BY expires_at""",
        firm_id,
        contact_id,
        client_id,
    )
    return [SigningRow.model_validate(dict(r)) for r in records]


async def list_ids_expired(conn: Connection, now: datetime, limit: int) -> list[UUID]:
    """Due to expire, unless every party has signed (then it is being sealed); for the expiry
    job, across firms by design."""
    rows = await conn.fetch(
        """SELECT s.id FROM signings s WHERE s.state = 'sent' AND s.expires_at <= $1
           AND EXISTS (SELECT 1 FROM parties p WHERE p.signing_id = s.id
                       AND p.role <> 'viewer' AND p.status <> 'signed')
           LIMIT $2""",
        now,
        limit,
    )
    return [r["id"] for r in rows]


async def list_ids_to_seal(conn: Connection, limit: int) -> list[UUID]:
    """Sent requests whose every signer and approver signed but that are not completed yet; for
    the completion job, across firms by design."""
    rows = await conn.fetch(
        """SELECT s.id FROM signings s WHERE s.state = 'sent' AND s.halted IS NULL
           AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.signing_id = s.id
                           AND p.role <> 'viewer' AND p.status <> 'signed')
           LIMIT $1""",
        limit,
    )
    return [r["id"] for r in rows]


async def list_ids_with_reminders(conn: Connection, now: datetime, limit: int) -> list[UUID]:
    """Requests with a party due a reminder; for the reminder job, across firms by design."""
    rows = await conn.fetch(
        """SELECT DISTINCT s.id FROM signings s JOIN parties p ON p.signing_id = s.id
           WHERE s.state = 'sent' AND s.reminder_days IS NOT NULL AND p.status = 'invited'
           AND coalesce(p.reminded_at, p.invited_at) + make_interval(days => s.reminder_days)
               <= $1
           LIMIT $2""",
        now,
        limit,
    )
    return [r["id"] for r in rows]


async def get_active_for_document(conn: Connection, firm_id: UUID, document_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT 1 FROM signings WHERE firm_id = $1 AND document_id = $2
               AND state IN ('draft', 'sent')""",
            firm_id,
            document_id,
        )
    )


async def update_credit_released(conn: Connection, firm_id: UUID, signing_id: UUID) -> None:
    await conn.execute(
        """UPDATE signings SET credit = 'released'
           WHERE firm_id = $1 AND id = $2 AND credit = 'releasing'""",
        firm_id,
        signing_id,
    )


async def list_releasing(conn: Connection, limit: int) -> list[SigningRow]:
    """Credits whose return billing has not confirmed, for the job that retries them (it
    works across firms by design)."""
    records = await conn.fetch(
        f"SELECT {COLUMNS} FROM signings WHERE credit = 'releasing' LIMIT $1", limit
    )
    return [SigningRow.model_validate(dict(r)) for r in records]


async def update_credit_refused(conn: Connection, firm_id: UUID, signing_id: UUID) -> None:
    await conn.execute(
        """UPDATE signings SET credit = 'none', credit_attempt = credit_attempt + 1
           WHERE firm_id = $1 AND id = $2 AND state = 'draft'""",
        firm_id,
        signing_id,
    )
