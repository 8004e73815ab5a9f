"""A firm's audit log written straight into notify's tables: many valid links at once (as if
recorded over months), for the export tests and the benchmark."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from services.notify.audit_trail import GENESIS, Entry, link
from shared.database import Connection


async def insert_chain(conn: Connection, firm_id: uuid.UUID, count: int) -> None:
    """`count` valid links written straight into the table (as if recorded over months)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records, prev = [], GENESIS
    for seq in range(1, count + 1):
        entry = Entry(
            firm_id=firm_id, seq=seq, event_id=uuid.uuid4(),
            occurred_at=start + timedelta(seconds=seq), kind="documents.document.downloaded",
            actor=uuid.UUID(int=seq % 7), summary=f'Downloaded "Avtal, {seq}".pdf',
            client_id=uuid.UUID(int=seq % 3), subjects={"document_id": str(uuid.UUID(int=seq))},
            source_address="198.51.100.1",
        )  # fmt: skip
        hash_ = link(prev, entry)
        records.append((firm_id, seq, entry.event_id, entry.occurred_at, entry.kind, entry.actor,
                        entry.summary, entry.client_id, dict(entry.subjects),
                        entry.source_address, prev, hash_))  # fmt: skip
        prev = hash_
    columns = [list(c) for c in zip(*records, strict=True)]
    columns[8] = [json.dumps(subjects) for subjects in columns[8]]
    await conn.execute(
        """INSERT INTO audit_entries (firm_id, seq, event_id, occurred_at, kind, actor,
               summary, client_id, subjects, source_address, prev_hash, hash)
           SELECT f, s, e, o, k, a, m, c, j::jsonb, src, p, h
           FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::timestamptz[], $5::text[],
                       $6::uuid[], $7::text[], $8::uuid[], $9::text[], $10::text[],
                       $11::bytea[], $12::bytea[])
                AS t(f, s, e, o, k, a, m, c, j, src, p, h)""",
        *columns,
    )
    await conn.execute(
        "INSERT INTO audit_heads (firm_id, seq, hash) VALUES ($1, $2, $3)",
        firm_id, count, prev,
    )  # fmt: skip
