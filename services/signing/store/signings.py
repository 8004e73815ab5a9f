"""Queries on signing requests."""

from datetime import datetime
from typing import Any
from uuid import UUID

from services.signing.models import SigningRow, State
from shared.database import Connection

COLUMNS = """id, firm_id, client_id, folder_id, document_id, document_name, document_sha256,
    document_size, attachments, message, language, expires_at, reminder_days, state, credit,
    credit_attempt, halted, created_by, created_at, sent_at, closed_at, sealed_sha256, sealed_size,
    signed_document_id"""


def _row(record: Any) -> SigningRow | None:
    return SigningRow.model_validate(dict(record)) if record is not None else None


async def insert_signing(conn: Connection, signing: SigningRow) -> None:
    values = signing.model_dump(mode="python")
    values["attachments"] = [a.model_dump(mode="json") for a in signing.attachments]
    names = COLUMNS.replace("\n", " ").replace(" ", "").split(",")
    await conn.execute(
        f"INSERT INTO signings ({COLUMNS}) VALUES "
        f"({', '.join(f'${i}' for i in range(1, len(names) + 1))})",
        *(values[name] for name in names),
    )


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


async def lock_signing_by_id(conn: Connection, signing_id: UUID) -> SigningRow | None:
    record = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM signings WHERE id = $1 FOR UPDATE", signing_id
    )
    return _row(record)


async def lock_signing_if_free(conn: Connection, signing_id: UUID) -> SigningRow | None:
    """For jobs: a request another replica is working on is skipped, not waited for."""
    record = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM signings WHERE id = $1 FOR UPDATE SKIP LOCKED", signing_id
    )
    return _row(record)


async def update_state(conn: Connection, signing_id: UUID, state: State, at: datetime) -> None:
    closed = None if state in ("draft", "sent") else at
    sent = at if state == "sent" else None
    await conn.execute(
        """UPDATE signings SET state = $2, closed_at = coalesce($3, closed_at),
               sent_at = coalesce($4, sent_at) WHERE id = $1""",
        signing_id,
        state,
        closed,
        sent,
    )


async def update_credit(conn: Connection, signing_id: UUID, credit: str) -> None:
    await conn.execute("UPDATE signings SET credit = $2 WHERE id = $1", signing_id, credit)


async def update_original(
    conn: Connection, signing_id: UUID, name: str, sha256: str, size: int
) -> None:
    await conn.execute(
        """UPDATE signings SET document_name = $2, document_sha256 = $3, document_size = $4
           WHERE id = $1""",
        signing_id,
        name,
        sha256,
        size,
    )


async def update_halted(conn: Connection, signing_id: UUID, why: str) -> None:
    await conn.execute("UPDATE signings SET halted = $2 WHERE id = $1", signing_id, why)


async def update_sealed(conn: Connection, signing_id: UUID, sha256: str, size: int) -> None:
    await conn.execute(
        "UPDATE signings SET sealed_sha256 = $2, sealed_size = $3 WHERE id = $1",
        signing_id,
        sha256,
        size,
    )


async def update_completed(
    conn: Connection, signing_id: UUID, document_id: UUID, at: datetime
) -> None:
    await conn.execute(
        """UPDATE signings SET state = 'completed', signed_document_id = $2, closed_at = $3
           WHERE id = $1""",
        signing_id,
        document_id,
        at,
    )


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
    """Declined, halted or expiring-soon requests; `client_ids` None means every client."""
    records = await conn.fetch(
        f"""SELECT {COLUMNS} FROM signings WHERE firm_id = $1
            AND ($2::uuid[] IS NULL OR client_id = ANY($2))
            AND (state = 'declined'
                 OR (state = 'sent' AND (halted IS NOT NULL OR expires_at <= $3)))
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
    """Due to expire, unless every party has signed (then it is being sealed)."""
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
    """Sent requests whose every signer and approver signed but that are not completed yet."""
    rows = await conn.fetch(
        """SELECT s.id FROM signings s WHERE s.state = 'sent' AND s.halted IS NULL
           AND NOT EXISTS (SELECT 1 FROM parties p WHERE p.signing_id = s.id
                           AND p.role <> 'viewer' AND p.status <> 'signed')
           LIMIT $1""",
        limit,
    )
    return [r["id"] for r in rows]


async def list_ids_with_reminders(conn: Connection, now: datetime, limit: int) -> list[UUID]:
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


async def update_credit_released(conn: Connection, signing_id: UUID) -> None:
    await conn.execute(
        "UPDATE signings SET credit = 'released' WHERE id = $1 AND credit = 'releasing'",
        signing_id,
    )


async def list_releasing(conn: Connection, limit: int) -> list[SigningRow]:
    records = await conn.fetch(
        f"SELECT {COLUMNS} FROM signings WHERE credit = 'releasing' LIMIT $1", limit
    )
    return [SigningRow.model_validate(dict(r)) for r in records]


async def update_credit_refused(conn: Connection, signing_id: UUID) -> None:
    await conn.execute(
        """UPDATE signings SET credit = 'none', credit_attempt = credit_attempt + 1
           WHERE id = $1 AND state = 'draft'""",
        signing_id,
    )
