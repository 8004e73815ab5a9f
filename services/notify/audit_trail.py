"""The rules of the firm's audit log, with no I/O: what an event becomes as an entry, how an
entry is linked to the one before, and where a chain read back stops holding.

Each entry's hash is SHA-256 over the previous entry's hash followed by the entry's canonical
JSON (sorted keys, no spaces, UTC times with microseconds), so changing, removing or
reordering any entry breaks every link after it; the firm's first entry follows 32 zero
bytes. The sequence number is inside the hashed form, so deleting the last entries is found
against the head (the last link, kept apart).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared.events.base import Envelope

GENESIS = bytes(32)

# Events that are the platform's own doing, not an action of anyone at the firm.
NOT_ACTIONS = frozenset({
    "signing.reminder.due", "documents.request.reminder_due", "billing.storage.threshold_reached",
    "billing.balance.depleted",
})  # fmt: skip
AUDITED_SERVICES = ("identity.", "documents.", "signing.", "billing.")

# A short line per kind of event, over the event's own fields; a kind not listed reads as its
# type (a new event is still recorded, with its ids).
SUMMARIES: Mapping[str, str] = {
    "identity.session.opened": "Signed in ({method})",
    "identity.firm.created": "Opened the firm {name}",
    "identity.firm.updated": "Changed the firm's details",
    "identity.portal_settings.changed": "Changed how customers sign in",
    "identity.staff.created": "Added staff member {name} as {role}",
    "identity.staff.updated": "Changed staff member {name} (role {role})",
    "identity.staff.deactivated": "Deactivated a staff member",
    "identity.staff.assigned": "Gave a staff member access to a client",
    "identity.staff.unassigned": "Took a staff member's access to a client away",
    "identity.client.created": "Added client {name}",
    "identity.client.updated": "Changed client {name}",
    "identity.client.archived": "Archived a client",
    "identity.contact.created": "Added contact {first_name} {last_name}",
    "identity.contact.updated": "Changed contact {first_name} {last_name}",
    "identity.contact.linked": "Linked a contact to a client",
    "identity.contact.unlinked": "Unlinked a contact from a client",
    "identity.portal_access.granted": "Turned a contact's portal access on",
    "identity.portal_access.revoked": "Turned a contact's portal access off",
    "identity.contact.registered": "A contact registered",
    "identity.firm.branding_changed": "Changed the firm's branding",
    "identity.session.revoked": "A session ended",
    "identity.tokens.revoked": "Ended every session of a person",
    "identity.second_factor.changed": "Changed their second sign-in factor (on: {enabled})",
    "identity.secret_link.issued": "Made a contact's secret link",
    "identity.secret_link.revoked": "Revoked a contact's secret link",
    "documents.folder.created": "Created folder {name}",
    "documents.folder.updated": "Changed folder {name} (access {rules[level]})",
    "documents.folder.deleted": "Deleted a folder",
    "documents.document.uploaded": "Uploaded {name}",
    "documents.document.version_added": "Uploaded version {number} of {name}",
    "documents.document.finalised": "Finalised {name}",
    "documents.document.deleted": "Deleted {name}",
    "documents.document.downloaded": "Downloaded a document ({method})",
    "documents.comment.added": "Commented on {document_name}",
    "documents.approval.requested": "Asked for approval of {document_name}",
    "documents.approval.answered": "Answered an approval request: {answer}",
    "documents.request.created": "Asked for documents: {title}",
    "documents.request.item_added": "Added an item to the request {request_title}",
    "documents.request.item_changed": "Changed an item of the request {request_title}",
    "documents.request.item_status_changed": "{item_title} ({request_title}): {item_status}",
    "documents.request.closed": "Closed the request {title}",
    "documents.thread.started": "Started the thread {subject}",
    "documents.thread.message_posted": "Wrote in the thread {subject}",
    "documents.thread.message_edited": "Edited a message",
    "documents.thread.message_deleted": "Deleted a message",
    "signing.request.created": "Drafted a signing of {document_name}",
    "signing.request.sent": "Sent {document_name} for signing",
    "signing.party.invited": "Invited a party to sign",
    "signing.party.viewed": "A party opened the signing",
    "signing.party.signed": "A party signed ({method})",
    "signing.party.declined": "A party declined to sign",
    "signing.request.completed": "A signing was completed",
    "signing.request.expired": "A signing expired",
    "signing.request.cancelled": "Cancelled a signing",
    "billing.account.opened": "Opened the billing account ({plan})",
    "billing.plan.changed": "Changed the plan from {previous_plan} to {plan}",
    "billing.storage.limit_changed": "Changed storage to {blocks} extra block(s)",
    "billing.balance.topped_up": "Bought {credits} signing credit(s)",
}
SUMMARY_LENGTH = 200


def audited(event_type: str) -> bool:
    """Whether an event of this type is an action for the firm's audit log."""
    return event_type.startswith(AUDITED_SERVICES) and event_type not in NOT_ACTIONS


@dataclass(frozen=True)
class Entry:
    """One link of a firm's chain, as hashed (the hash itself is not part of it)."""

    firm_id: UUID
    seq: int
    event_id: UUID
    occurred_at: datetime
    kind: str
    actor: UUID | None
    summary: str
    client_id: UUID | None
    subjects: Mapping[str, str]
    source_address: str | None

    def canonical(self) -> bytes:
        return canonical_json({
            "firm_id": str(self.firm_id), "seq": self.seq, "event_id": str(self.event_id),
            "occurred_at": instant(self.occurred_at), "kind": self.kind,
            "actor": str(self.actor) if self.actor else None, "summary": self.summary,
            "client_id": str(self.client_id) if self.client_id else None,
            "subjects": dict(self.subjects), "source_address": self.source_address,
        })  # fmt: skip


def instant(moment: datetime) -> str:
    """A time as hashed and exported: UTC, always with microseconds (PostgreSQL's precision),
    so the export shows each entry's time exactly as its hash covers it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: bytes, entry: Entry) -> bytes:
    return hashlib.sha256(prev_hash + entry.canonical()).digest()


def entry_of(envelope: Envelope, firm_id: UUID, seq: int) -> Entry:
    """The entry an event becomes at position `seq` of its firm's chain."""
    data = envelope.data
    client = data.get("client_id")
    source = data.get("source_address")
    return Entry(
        firm_id=firm_id, seq=seq, event_id=envelope.id, occurred_at=envelope.occurred_at,
        kind=envelope.type, actor=envelope.actor, summary=summary(envelope.type, data),
        client_id=UUID(client) if isinstance(client, str) else None,
        subjects=subjects(data), source_address=source if isinstance(source, str) else None,
    )  # fmt: skip


def summary(event_type: str, data: Mapping[str, Any]) -> str:
    template = SUMMARIES.get(event_type)
    if template is None:
        return event_type
    try:
        text = template.format_map(data)
    except (KeyError, IndexError, TypeError):  # an older or newer shape of the event
        text = event_type
    return text[:SUMMARY_LENGTH]


def subjects(data: Mapping[str, Any]) -> dict[str, str]:
    """The ids the event names at its top level (`client_id`, `document_id`, …)."""
    return {
        name: value
        for name, value in data.items()
        if name.endswith("_id") and isinstance(value, str)
    }


@dataclass(frozen=True)
class Stored:
    """An entry as read back, with the links stored beside it."""

    entry: Entry
    prev_hash: bytes
    hash: bytes


@dataclass(frozen=True)
class Break:
    """The first link that does not hold: `seq` is the position where the chain stops being
    what was written."""

    seq: int
    reason: str


class Verifier:
    """Walks a firm's entries in order, one at a time (the chain may be far larger than
    memory), and remembers the first link that does not hold."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev_hash = GENESIS
        self.checked = 0
        self.broken: Break | None = None

    def feed(self, stored: Stored) -> None:
        if self.broken is not None:
            return
        self.checked += 1
        self.broken = _fault(stored, self.expected_seq, self.prev_hash)
        self.expected_seq = stored.entry.seq + 1
        self.prev_hash = stored.hash

    def finish(self, head_seq: int, head_hash: bytes) -> Break | None:
        """The walk is over: the head must be the last link seen."""
        if self.broken is None and head_seq >= self.expected_seq:
            return Break(self.expected_seq, "missing: the entries from here on were removed")
        if self.broken is None and head_hash != self.prev_hash:
            return Break(head_seq, "the last entry does not match the chain's head")
        return self.broken


def _fault(stored: Stored, expected_seq: int, prev_hash: bytes) -> Break | None:
    if stored.entry.seq != expected_seq:
        return Break(expected_seq, "missing: the entry was removed")
    if stored.prev_hash != prev_hash:
        return Break(expected_seq, "does not follow the entry before it")
    if link(stored.prev_hash, stored.entry) != stored.hash:
        return Break(expected_seq, "altered: its content does not match its hash")
    return None


def first_break(entries: Iterable[Stored], head_seq: int, head_hash: bytes) -> Break | None:
    verifier = Verifier()
    for stored in entries:
        verifier.feed(stored)
    return verifier.finish(head_seq, head_hash)
