"""The firm's audit log: the chain's head per firm, its entries, and reading them back.

Appending takes the firm's head row with a lock (`lock_head`) and holds it to commit, so
entries of one firm are numbered and linked one after another whatever the number of
replicas; entries of different firms never wait for each other.
"""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from services.notify.audit_trail import GENESIS, Entry, Stored
from shared.database import Connection

COLUMNS = """seq, event_id, occurred_at, kind, actor, summary, client_id, subjects,
             source_address, prev_hash, hash"""

# The reading filters, shared by the page and the export; $1 is the firm.
FILTERS = """firm_id = $1
             AND ($2::uuid IS NULL OR actor = $2)
             AND ($3::uuid IS NULL OR client_id = $3)
             AND ($4::text IS NULL OR kind = $4 OR starts_with(kind, $4 || '.'))
             AND ($5::timestamptz IS NULL OR occurred_at >= $5)
             AND ($6::timestamptz IS NULL OR occurred_at < $6)"""


async def lock_head(conn: Connection, firm_id: UUID) -> tuple[int, bytes]:
    """The firm's last (seq, hash), locked until commit; a firm's first call creates it.
    ON CONFLICT DO UPDATE locks the existing row and returns its newest committed version,
    so a replica that waited here sees the link the other one just added."""
    row = await conn.fetchrow(
        """INSERT INTO audit_heads (firm_id, seq, hash) VALUES ($1, 0, $2)
           ON CONFLICT (firm_id) DO UPDATE SET firm_id = EXCLUDED.firm_id
           RETURNING seq, hash""",
        firm_id,
        GENESIS,
    )
    return row["seq"], bytes(row["hash"])


async def get_head(conn: Connection, firm_id: UUID) -> tuple[int, bytes]:
    row = await conn.fetchrow("SELECT seq, hash FROM audit_heads WHERE firm_id = $1", firm_id)
    return (row["seq"], bytes(row["hash"])) if row else (0, GENESIS)


async def update_head(conn: Connection, firm_id: UUID, seq: int, hash_: bytes) -> None:
    await conn.execute(
        "UPDATE audit_heads SET seq = $2, hash = $3 WHERE firm_id = $1", firm_id, seq, hash_
    )


async def insert_entry(conn: Connection, entry: Entry, prev_hash: bytes, hash_: bytes) -> bool:
    """False if the firm's log already holds this event (it arrived twice)."""
    inserted = await conn.fetchval(
        """INSERT INTO audit_entries (firm_id, seq, event_id, occurred_at, kind, actor, summary,
                                      client_id, subjects, source_address, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (firm_id, event_id) DO NOTHING RETURNING true""",
        entry.firm_id, entry.seq, entry.event_id, entry.occurred_at, entry.kind, entry.actor,
        entry.summary, entry.client_id, dict(entry.subjects), entry.source_address,
        prev_hash, hash_,
    )  # fmt: skip
    return bool(inserted)


async def list_entries(
    conn: Connection, firm_id: UUID, filters: tuple[Any, ...], before: int | None, limit: int
) -> list[Stored]:
    """Newest first, one page: entries with `seq` below `before` (keyset paging)."""
    rows = await conn.fetch(
        f"""SELECT {COLUMNS} FROM audit_entries
            WHERE {FILTERS} AND ($7::bigint IS NULL OR seq < $7)
            ORDER BY seq DESC LIMIT $8""",
        firm_id, *filters, before, limit,
    )  # fmt: skip
    return [stored_of(firm_id, row) for row in rows]


# The export's columns, formatted by PostgreSQL: times as `audit_trail.instant` writes them,
# hashes in hex. A spreadsheet runs a cell that starts like a formula, so a text typed by
# someone (a name in a summary) that does is written with a leading quote (OWASP: CSV
# injection).
INSTANT = """to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
EXPORT_JSON = f"""jsonb_build_object(
    'seq', seq, 'occurred_at', {INSTANT}, 'kind', kind, 'actor', actor, 'summary', summary,
    'client_id', client_id, 'subjects', subjects, 'source_address', source_address,
    'event_id', event_id, 'prev_hash', encode(prev_hash, 'hex'), 'hash', encode(hash, 'hex')
)::text"""
GUARDED = """CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', chr(9), chr(13))
                  THEN chr(39) || {0} ELSE coalesce({0}, '') END"""
EXPORT_CSV = f"""seq::text, {INSTANT}, kind, coalesce(actor::text, ''),
    {GUARDED.format("summary")}, coalesce(client_id::text, ''), subjects::text,
    {GUARDED.format("source_address")}, event_id::text, encode(prev_hash, 'hex'),
    encode(hash, 'hex')"""


async def iterate_jsonl(
    conn: Connection, firm_id: UUID, filters: tuple[Any, ...], batch: int
) -> AsyncIterator[str]:
    """Oldest first, each matching entry as one JSON text: a server-side cursor fetched
    `batch` rows at a time, so memory stays flat however long the log. Needs the caller's
    transaction."""
    cursor = conn.cursor(
        f"SELECT {EXPORT_JSON} FROM audit_entries WHERE {FILTERS} ORDER BY seq",
        firm_id, *filters, prefetch=batch,
    )  # fmt: skip
    async for row in cursor:
        yield row[0]


async def iterate_csv(
    conn: Connection, firm_id: UUID, filters: tuple[Any, ...], batch: int
) -> AsyncIterator[Any]:
    """As `iterate_jsonl`, each entry as the text cells of one CSV line."""
    cursor = conn.cursor(
        f"SELECT {EXPORT_CSV} FROM audit_entries WHERE {FILTERS} ORDER BY seq",
        firm_id, *filters, prefetch=batch,
    )  # fmt: skip
    async for row in cursor:
        yield row


async def iterate_chain(conn: Connection, firm_id: UUID, batch: int) -> AsyncIterator[Stored]:
    """The whole chain in order, for verification; needs the caller's transaction."""
    cursor = conn.cursor(
        f"SELECT {COLUMNS} FROM audit_entries WHERE firm_id = $1 ORDER BY seq",
        firm_id,
        prefetch=batch,
    )
    async for row in cursor:
        yield stored_of(firm_id, row)


def stored_of(firm_id: UUID, row: Any) -> Stored:
    entry = Entry(
        firm_id=firm_id, seq=row["seq"], event_id=row["event_id"],
        occurred_at=row["occurred_at"], kind=row["kind"], actor=row["actor"],
        summary=row["summary"], client_id=row["client_id"], subjects=row["subjects"],
        source_address=row["source_address"],
    )  # fmt: skip
    return Stored(entry, bytes(row["prev_hash"]), bytes(row["hash"]))


async def repeatable_read(conn: Connection) -> None:
    """One snapshot for the rest of the transaction (the first statement in it): a chain read
    with its head sees neither grow meanwhile."""
    await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
