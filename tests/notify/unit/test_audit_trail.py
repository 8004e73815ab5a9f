"""The audit log's rules: literals in, answer out."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notify.audit_trail import (
    GENESIS,
    SUMMARIES,
    Entry,
    Stored,
    audited,
    entry_of,
    first_break,
    instant,
    link,
    summary,
)
from shared.events import catalog
from shared.events.base import Envelope, Event
from shared.events.documents import DocumentDownloaded
from shared.events.identity import SessionOpened

FIRM = uuid.UUID(int=1)
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _entry(seq: int, **changes: Any) -> Entry:
    values: dict[str, Any] = {
        "firm_id": FIRM, "seq": seq, "event_id": uuid.UUID(int=100 + seq),
        "occurred_at": T0 + timedelta(seconds=seq), "kind": "documents.document.downloaded",
        "actor": uuid.UUID(int=7), "summary": "Downloaded a document (stream)",
        "client_id": uuid.UUID(int=9), "subjects": {"document_id": str(uuid.UUID(int=5))},
        "source_address": None,
    }  # fmt: skip
    return Entry(**{**values, **changes})


def chain(n: int) -> list[Stored]:
    stored, prev = [], GENESIS
    for seq in range(1, n + 1):
        entry = _entry(seq)
        hash_ = link(prev, entry)
        stored.append(Stored(entry, prev, hash_))
        prev = hash_
    return stored


def test_an_intact_chain_has_no_break() -> None:
    entries = chain(5)
    assert first_break(entries, 5, entries[-1].hash) is None
    assert first_break([], 0, GENESIS) is None


def test_an_altered_entry_is_the_first_broken_link() -> None:
    entries = chain(5)
    entries[2] = Stored(
        _entry(3, summary="Nothing happened"), entries[2].prev_hash, entries[2].hash
    )
    found = first_break(entries, 5, entries[-1].hash)
    assert found is not None
    assert found.seq == 3
    assert found.reason.startswith("altered")


def test_an_entry_rehashed_after_altering_breaks_the_next_link() -> None:
    entries = chain(5)
    forged = _entry(3, actor=uuid.UUID(int=8))
    entries[2] = Stored(forged, entries[2].prev_hash, link(entries[2].prev_hash, forged))
    found = first_break(entries, 5, entries[-1].hash)
    assert found is not None
    assert found.seq == 4


def test_a_removed_entry_and_removed_last_entries_are_found() -> None:
    entries = chain(5)
    found = first_break(entries[:1] + entries[2:], 5, entries[-1].hash)
    assert found is not None
    assert found.seq == 2
    assert found.reason.startswith("missing")
    found = first_break(entries[:3], 5, entries[-1].hash)
    assert found is not None
    assert found.seq == 4


def test_the_hash_is_sha256_over_the_previous_hash_and_canonical_json() -> None:
    import hashlib

    entry = _entry(1)
    assert link(GENESIS, entry) == hashlib.sha256(GENESIS + entry.canonical()).digest()
    assert b'"seq":1' in entry.canonical()
    assert b" " not in entry.canonical().split(b'"summary"')[0]


def test_an_event_becomes_an_entry_with_its_ids_summary_and_source() -> None:
    actor, session = uuid.uuid4(), uuid.uuid4()
    event = SessionOpened(session_id=session, person_kind="staff", client_id=None,
                          method="password", source_address="203.0.113.9")  # fmt: skip
    envelope = Envelope.wrap(event, firm_id=FIRM, actor=actor, now=T0)
    entry = entry_of(envelope, FIRM, 4)
    assert (entry.seq, entry.actor, entry.kind) == (4, actor, "identity.session.opened")
    assert entry.summary == "Signed in (password)"
    assert entry.source_address == "203.0.113.9"
    assert entry.subjects == {"session_id": str(session)}


def test_a_download_names_its_client_and_document() -> None:
    client, document = uuid.uuid4(), uuid.uuid4()
    event = DocumentDownloaded(document_id=document, version_id=document, client_id=client,
                               user_kind="contact", method="redirect")  # fmt: skip
    entry = entry_of(Envelope.wrap(event, firm_id=FIRM, actor=None), FIRM, 1)
    assert entry.client_id == client
    assert entry.subjects["document_id"] == str(document)
    assert entry.summary == "Downloaded a document (redirect)"


def test_summaries_survive_an_event_of_another_shape() -> None:
    assert summary("documents.document.uploaded", {}) == "documents.document.uploaded"
    assert summary("documents.folder.updated", {"name": "Bokslut", "rules": {"level": "read"}}) \
        == "Changed folder Bokslut (access read)"  # fmt: skip


def test_what_the_log_records() -> None:
    assert audited("documents.document.downloaded")
    assert audited("identity.session.opened")
    assert not audited("signing.reminder.due")
    assert not audited("notify.send_magic_link")


def test_times_are_hashed_in_utc_with_microseconds() -> None:
    assert instant(T0) == "2026-12-01T12:00:00.000000Z"
    assert b'"occurred_at":"2026-12-01T12:00:01.000000Z"' in _entry(1).canonical()


def test_every_audited_event_of_the_platform_reads_as_a_sentence() -> None:
    """A kind without a summary reads as its type: a new event of the platform gets a line."""
    platform = [
        m.type for m in catalog() if issubclass(m, Event) and m.__module__.startswith("shared.")
    ]
    assert [t for t in platform if audited(t) and t not in SUMMARIES] == []
