"""The firm's audit log: recording an event as the next link of its firm's chain, verifying
a chain, and writing entries out as CSV or JSON Lines.

Recording runs inside the consumer's transaction (the event id enters the inbox with the
entry), after the event's other effects, so the firm's head lock is held as briefly as
possible. A replayed event (same id) is recognised by the entry's unique (firm, event) and
leaves the chain as it was.
"""

import csv
import io
import json
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
FORMULA = ("=", "+", "-", "@", "\t", "\r")
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


def row_values(row: Any) -> dict[str, Any]:
    """An entry as exported: ids and times as text, the hashes in hex."""
    return {
        "seq": row["seq"],
        "occurred_at": row["occurred_at"].isoformat(),
        "kind": row["kind"],
        "actor": str(row["actor"]) if row["actor"] else None,
        "summary": row["summary"],
        "client_id": str(row["client_id"]) if row["client_id"] else None,
        "subjects": row["subjects"],
        "source_address": row["source_address"],
        "event_id": str(row["event_id"]),
        "prev_hash": bytes(row["prev_hash"]).hex(),
        "hash": bytes(row["hash"]).hex(),
    }


def jsonl(rows: Iterable[Any]) -> bytes:
    return b"".join(
        json.dumps(row_values(r), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for r in rows
    )


def csv_header() -> bytes:
    return _csv_lines([EXPORT_COLUMNS])


def csv_rows(rows: Iterable[Any]) -> bytes:
    lines = []
    for row in rows:
        values = row_values(row)
        values["subjects"] = json.dumps(values["subjects"], sort_keys=True)
        lines.append([_cell(values[c]) for c in EXPORT_COLUMNS])
    return _csv_lines(lines)


def _cell(value: Any) -> Any:
    """A spreadsheet runs a cell that starts like a formula; names typed by users (a document
    called `=HYPERLINK(…)`) are written so that it shows them as text (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA:
        return "'" + value
    return value


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
