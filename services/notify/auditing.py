"""The firm's audit log: recording an event as the next link of its firm's chain, verifying
a chain, and writing entries out as CSV or JSON Lines.

Recording runs inside the consumer's transaction (the event id enters the inbox with the
entry), after the event's other effects, so the firm's head lock is held as briefly as
possible. A replayed event (same id) is recognised by the entry's unique (firm, event) and
leaves the chain as it was.
"""

import csv
import io
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.notify import audit_trail
from services.notify.audit_trail import Break, Verifier
from services.notify.store import audit as audit_store
from shared.database import Connection
from shared.events.base import Envelope

VERIFY_BATCH = 2000
EXPORT_COLUMNS = ("seq", "occurred_at", "kind", "actor", "summary", "client_id", "subjects",
                  "source_address", "event_id", "prev_hash", "hash")  # fmt: skip


async def record(conn: Connection, envelope: Envelope) -> bool:
    """Append the event to its firm's chain; False if it is no action or already there."""
    if envelope.firm_id is None or not audit_trail.audited(envelope.type):
        return False
    seq, prev_hash = await audit_store.lock_head(conn, envelope.firm_id)
    entry = audit_trail.entry_of(envelope, envelope.firm_id, seq + 1)
    hash_ = audit_trail.link(prev_hash, entry)
    if not await audit_store.insert_entry(conn, entry, prev_hash, hash_):
        return False
    await audit_store.update_head(conn, envelope.firm_id, entry.seq, hash_)
    return True


@dataclass(frozen=True)
class Verified:
    entries: int
    head: int
    broken: Break | None


async def verify(conn: Connection, firm_id: UUID) -> Verified:
    """Walk the firm's whole chain (a cursor: flat memory) in a repeatable-read snapshot it
    takes first thing in the caller's transaction, so that entries appended meanwhile do not
    look like a broken head."""
    await audit_store.repeatable_read(conn)
    head_seq, head_hash = await audit_store.get_head(conn, firm_id)
    verifier = Verifier()
    async for stored in audit_store.iterate_chain(conn, firm_id, VERIFY_BATCH):
        verifier.feed(stored)
        if verifier.broken is not None:
            break
    return Verified(verifier.checked, head_seq, verifier.finish(head_seq, head_hash))


def jsonl(lines: Iterable[str]) -> bytes:
    """JSON texts (PostgreSQL made them) as JSON Lines."""
    return "".join(f"{line}\n" for line in lines).encode()


def csv_header() -> bytes:
    return _csv_lines([EXPORT_COLUMNS])


def csv_rows(rows: Iterable[Iterable[str]]) -> bytes:
    """Rows of text cells (PostgreSQL formatted and guarded them) as CSV lines."""
    return _csv_lines(rows)


def _csv_lines(lines: Iterable[Iterable[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(lines)
    return buffer.getvalue().encode()


async def batches(rows: AsyncIterator[Any], size: int) -> AsyncIterator[list[Any]]:
    """Rows from a cursor in lists of `size`, so each write to the client carries many."""
    batch: list[Any] = []
    async for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
