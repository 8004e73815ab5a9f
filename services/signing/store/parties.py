"""Queries on the parties of a request. A party is always reached through its request, loaded
(and locked) by firm in the same transaction; the updates by party id below say so."""

from datetime import datetime
from uuid import UUID

from services.signing.models import NewParty, PartyRow
from shared.database import Connection

COLUMNS = """id, signing_id, position, name, email, phone, personal_number_sealed, role,
    sign_order, method, contact_id, status, invited_at, viewed_at, acted_at, reminded_at,
    decline_reason, typed_name, otp_hash, otp_expires_at, otp_sent_at, otp_attempts, eid_order,
    session_hash, session_expires_at"""


async def insert_party(conn: Connection, new: NewParty) -> PartyRow:
    """A party as staff named them, waiting for their turn."""
    record = await conn.fetchrow(
        f"""INSERT INTO parties (id, signing_id, firm_id, position, name, email, phone,
                personal_number_sealed, role, sign_order, method, contact_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            RETURNING {COLUMNS}""",
        new.id, new.signing_id, new.firm_id, new.position, new.name, new.email, new.phone,
        new.personal_number_sealed, new.role, new.sign_order, new.method, new.contact_id,
    )  # fmt: skip
    return PartyRow.model_validate(dict(record))


async def list_parties(conn: Connection, firm_id: UUID, signing_id: UUID) -> list[PartyRow]:
    records = await conn.fetch(
        f"""SELECT {COLUMNS} FROM parties WHERE firm_id = $1 AND signing_id = $2
            ORDER BY position""",
        firm_id,
        signing_id,
    )
    return [PartyRow.model_validate(dict(r)) for r in records]


async def update_invited(conn: Connection, party_id: UUID, at: datetime) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute(
        "UPDATE parties SET status = 'invited', invited_at = $2 WHERE id = $1", party_id, at
    )


async def update_reminded(conn: Connection, party_id: UUID, at: datetime) -> None:
    """The party is reached through its request, which the reminder job locked in the same
    transaction (across firms by design)."""
    await conn.execute("UPDATE parties SET reminded_at = $2 WHERE id = $1", party_id, at)


async def update_viewed(conn: Connection, party_id: UUID, at: datetime) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute(
        "UPDATE parties SET viewed_at = coalesce(viewed_at, $2) WHERE id = $1", party_id, at
    )


async def update_code(
    conn: Connection, party_id: UUID, code_hash: bytes, expires_at: datetime, at: datetime
) -> None:
    """A new code replaces the old one and gets a fresh count of tries. The party is reached
    through its request, loaded by firm in the same transaction."""
    await conn.execute(
        """UPDATE parties SET otp_hash = $2, otp_expires_at = $3, otp_sent_at = $4,
               otp_attempts = 0 WHERE id = $1""",
        party_id,
        code_hash,
        expires_at,
        at,
    )


async def update_code_attempted(conn: Connection, party_id: UUID) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute("UPDATE parties SET otp_attempts = otp_attempts + 1 WHERE id = $1", party_id)


async def update_code_used(conn: Connection, party_id: UUID) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute(
        "UPDATE parties SET otp_hash = NULL, otp_expires_at = NULL WHERE id = $1", party_id
    )


async def update_eid_order(conn: Connection, party_id: UUID, order_ref: str | None) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute("UPDATE parties SET eid_order = $2 WHERE id = $1", party_id, order_ref)


async def update_session(
    conn: Connection, party_id: UUID, session_hash: bytes, expires_at: datetime
) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute(
        "UPDATE parties SET session_hash = $2, session_expires_at = $3 WHERE id = $1",
        party_id,
        session_hash,
        expires_at,
    )


async def update_signed(
    conn: Connection,
    party_id: UUID,
    at: datetime,
    typed_name: str | None,
    drawn_signature: bytes | None,
) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute(
        """UPDATE parties SET status = 'signed', acted_at = $2, typed_name = $3,
               drawn_signature = $4, session_hash = NULL WHERE id = $1""",
        party_id,
        at,
        typed_name,
        drawn_signature,
    )


async def update_declined(conn: Connection, party_id: UUID, at: datetime, reason: str) -> None:
    """The party is reached through its request, loaded by firm in the same transaction."""
    await conn.execute(
        """UPDATE parties SET status = 'declined', acted_at = $2, decline_reason = $3,
               session_hash = NULL WHERE id = $1""",
        party_id,
        at,
        reason,
    )


async def lock_plain_personal_numbers(conn: Connection, limit: int) -> list[tuple[UUID, str]]:
    """Parties whose number is still in plain text (written before numbers were sealed), of
    every firm (across firms by design: the sealing job's), locked; rows another transaction
    holds are skipped."""
    records = await conn.fetch(
        """SELECT id, personal_number FROM parties WHERE personal_number IS NOT NULL
           LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
    )
    return [(r["id"], r["personal_number"]) for r in records]


async def update_personal_number_sealed(conn: Connection, party_id: UUID, sealed: bytes) -> None:
    """A row `lock_plain_personal_numbers` locked, across firms by design."""
    await conn.execute(
        """UPDATE parties SET personal_number_sealed = $2, personal_number = NULL
           WHERE id = $1""",
        party_id,
        sealed,
    )


async def get_is_party(conn: Connection, firm_id: UUID, signing_id: UUID, contact_id: UUID) -> bool:
    """Whether the contact is one of the request's parties."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM parties WHERE firm_id = $1 AND signing_id = $2 AND contact_id = $3",
            firm_id,
            signing_id,
            contact_id,
        )
    )


async def list_drawn_signatures(
    conn: Connection, firm_id: UUID, signing_id: UUID
) -> dict[UUID, bytes]:
    """The PNGs parties drew, by party: only the certificate of completion needs them, so the
    party rows everything else reads leave them out."""
    records = await conn.fetch(
        """SELECT id, drawn_signature FROM parties
           WHERE firm_id = $1 AND signing_id = $2 AND drawn_signature IS NOT NULL""",
        firm_id,
        signing_id,
    )
    return {r["id"]: r["drawn_signature"] for r in records}
