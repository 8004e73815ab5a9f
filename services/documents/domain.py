"""Who sees which folder and document, what may change, and what a file's bytes really are:
plain functions, no I/O.

Everything a caller may not see is answered as "not found" by the API, never "forbidden", so
these functions answer yes/no and the API turns a no into 404.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID

from shared.errors import Conflict, DomainError, Forbidden, Invalid, PaymentRequired, TooLarge

Level = Literal["none", "read", "upload"]
Answer = Literal["accepted", "rejected"]
ApprovalStatus = Literal["pending", "accepted", "rejected"]


@dataclass(frozen=True)
class Rules:
    """A folder's customer access: level, audience (all portal contacts or a list), and
    whether the client's primary contact may change these two."""

    level: Level = "none"
    audience_all: bool = True
    audience: frozenset[UUID] = frozenset()
    primary_manages: bool = False


@dataclass(frozen=True)
class Standing:
    """What the replicas say of one contact at one client."""

    contact_id: UUID
    portal_access: bool
    linked: bool
    primary: bool


class Finalised(Conflict):
    title = "Document finalised"

    def __init__(self) -> None:
        super().__init__("This document is finalised: it and its versions can no longer change.")


class FolderNotEmpty(Conflict):
    title = "Folder not empty"

    def __init__(self) -> None:
        super().__init__("Only an empty folder (no documents, no subfolders) can be deleted.")


class QuotaExceeded(PaymentRequired):
    title = "Storage quota exceeded"

    def __init__(self, *, used: int, reserved: int, limit: int, wanted: int) -> None:
        super().__init__(
            f"Storing {wanted} bytes would exceed the firm's storage: {used} of {limit} bytes "
            f"used and {reserved} reserved. Buy more storage or delete documents.",
            used=used,
            reserved=reserved,
            limit=limit,
            wanted=wanted,
        )


class FileTooLarge(TooLarge):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"The file is {size} bytes; at most {limit} bytes are accepted.", size=size, limit=limit
        )


class UnsupportedContent(DomainError):
    status = 415
    title = "Content does not match its name"


class LengthRequired(DomainError):
    status = 411
    title = "Length required"


def _member(standing: Standing) -> bool:
    return standing.portal_access and standing.linked


def contact_reads(rules: Rules, standing: Standing) -> bool:
    """May see (and download) the folder's documents."""
    admitted = rules.audience_all or standing.contact_id in rules.audience
    return _member(standing) and rules.level != "none" and admitted


def contact_uploads(rules: Rules, standing: Standing) -> bool:
    return contact_reads(rules, standing) and rules.level == "upload"


def contact_manages(rules: Rules, standing: Standing) -> bool:
    """The client's primary contact may change level and audience where the folder allows."""
    return _member(standing) and standing.primary and rules.primary_manages


def contact_sees_folder(rules: Rules, standing: Standing) -> bool:
    return contact_reads(rules, standing) or contact_manages(rules, standing)


def audience(rules: Rules, standings: Iterable[Standing]) -> list[UUID]:
    """Ids of the contacts who can see documents under these rules, sorted."""
    return sorted(s.contact_id for s in standings if contact_reads(rules, s))


def subfolder_rules(
    parent: Rules | None,
    *,
    level: Level | None = None,
    audience_ids: Sequence[UUID] | None = None,
    primary_manages: bool | None = None,
) -> Rules:
    """A subfolder starts with a copy of its parent's rules; what the caller names overrides."""
    return change_rules(parent or Rules(), level, audience_ids, primary_manages)


def change_rules(
    rules: Rules,
    level: Level | None,
    audience_ids: Sequence[UUID] | None,
    primary_manages: bool | None,
) -> Rules:
    """None keeps what is there; a list of ids (even empty) becomes a chosen audience, and
    `admit_all` turns it back into all of the client's portal contacts."""
    changed = rules
    if level is not None:
        changed = replace(changed, level=level)
    if audience_ids is not None:
        changed = replace(changed, audience_all=False, audience=frozenset(audience_ids))
    if primary_manages is not None:
        changed = replace(changed, primary_manages=primary_manages)
    return changed


def admit_all(rules: Rules) -> Rules:
    return replace(rules, audience_all=True, audience=frozenset())


@dataclass(frozen=True)
class Existing:
    """The document already holding a name in a folder, if any."""

    document_id: UUID
    finalised: bool


def placement(existing: Existing | None) -> Literal["new", "version"]:
    """Uploading to a name that exists in the folder makes a new version of it."""
    if existing is None:
        return "new"
    require_changeable(existing.finalised)
    return "version"


def require_changeable(finalised: bool) -> None:
    if finalised:
        raise Finalised()


def contact_may_delete(*, finalised: bool, uploaded_by_them: bool, may_upload_here: bool) -> bool:
    """Contacts delete only their own uploads, in folders where they may upload."""
    return uploaded_by_them and may_upload_here and not finalised


def unique_name(wanted: str, taken: set[str]) -> str:
    """`contract.pdf` → `contract (2).pdf` … for a copy that must not become a version."""
    if wanted not in taken:
        return wanted
    stem, dot, ext = wanted.rpartition(".")
    if not dot:
        stem, ext = wanted, ""
    n = 2
    while (candidate := f"{stem} ({n}){'.' + ext if ext else ''}") in taken:
        n += 1
    return candidate


def approval_askees(named: Sequence[UUID] | None, can_see: Sequence[UUID]) -> list[UUID]:
    """Who is asked: the named contacts (each must see the document) or all who see it. A
    request that nobody could answer would stay pending for ever, so it is refused."""
    if named is not None and not set(named) <= set(can_see):
        raise Invalid("Every named contact must be able to see the document.", field="contacts")
    if named is not None and not named:
        raise Invalid("Name at least one contact, or none to ask all who see it.", field="contacts")
    if not can_see:
        raise Conflict(
            "No contact of the client can see this document yet: share its folder first."
        )
    return sorted(can_see) if named is None else sorted(set(named))


def approval_status(named: Sequence[UUID] | None, answers: dict[UUID, Answer]) -> ApprovalStatus:
    """Without named contacts the first answer decides; with them, all must accept and any
    rejection rejects."""
    if not answers:
        return "pending"
    if named is None:
        return next(iter(answers.values()))
    if "rejected" in answers.values():
        return "rejected"
    if set(named) <= set(answers):
        return "accepted"
    return "pending"


# The real type of a file from its first bytes, and whether it matches the name it came with.
# The name's extension is only a claim; a `.pdf` whose bytes are not a PDF is refused, so
# signing, previews and customers never get handed something other than what it says.

SNIFF_BYTES = 512

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
]

# Extensions whose bytes we can recognise, and the sniffed types each may have.
_EXPECTED: dict[str, set[str]] = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "gif": {"image/gif"},
    "zip": {"application/zip"},
    "docx": {"application/zip"},
    "xlsx": {"application/zip"},
    "pptx": {"application/zip"},
    "doc": {"application/x-ole-storage"},
    "xls": {"application/x-ole-storage"},
    "txt": {"text/plain"},
    "csv": {"text/plain"},
}

_OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "csv": "text/csv",
}


def sniff(head: bytes) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def content_type(name: str, head: bytes) -> str:
    """The type to store and serve; refuses bytes that contradict a recognisable extension."""
    sniffed = sniff(head)
    ext = extension(name)
    expected = _EXPECTED.get(ext)
    if expected is not None and sniffed not in expected:
        raise UnsupportedContent(
            f"{name!r} is named as .{ext} but its content is {sniffed}.", field="name"
        )
    return _OFFICE.get(ext, sniffed)


# Document requests: a firm asks a client's portal contacts for documents, item by item.

RequestStatus = Literal["open", "submitted", "accepted", "returned", "cancelled"]
ItemChange = Literal["submit", "accept", "return", "cancel", "edit"]
# What staff and contacts may do to an item in each status.
_ITEM_MOVES: dict[ItemChange, frozenset[str]] = {
    "submit": frozenset({"open", "submitted", "returned"}),
    "accept": frozenset({"submitted"}),
    "return": frozenset({"submitted"}),
    "cancel": frozenset({"open", "submitted", "returned"}),
    "edit": frozenset({"open", "submitted", "returned"}),
}
_AFTER: dict[ItemChange, RequestStatus | None] = {
    "submit": "submitted", "accept": "accepted", "return": "returned", "cancel": "cancelled",
    "edit": None,
}  # fmt: skip
WAITING_FOR_CUSTOMER = frozenset({"open", "returned"})


class RequestClosed(Conflict):
    title = "Request closed"

    def __init__(self) -> None:
        super().__init__("This request is closed or cancelled: it can no longer change.")


def item_moves(status: str, change: ItemChange) -> RequestStatus:
    """The item's status after `change`, or Conflict if its status does not allow it (an
    accepted item is fulfilled: nobody changes it any more)."""
    if status not in _ITEM_MOVES[change]:
        raise Conflict(f"An item that is {status} cannot be changed this way ({change}).")
    return _AFTER[change] or status  # type: ignore[return-value]


def request_status(items: Iterable[str], *, cancelled: bool = False) -> RequestStatus:
    """A request is cancelled, or as far along as its least advanced live item: open while
    one is open, then returned, then submitted, accepted when every live item is."""
    live = [s for s in items if s != "cancelled"]
    if cancelled or not live:
        return "cancelled"
    for status in ("open", "returned", "submitted"):
        if status in live:
            return status  # type: ignore[return-value]
    return "accepted"


def require_open_request(closed: bool, status: str) -> None:
    if closed or status == "cancelled":
        raise RequestClosed()


def request_audience(
    audience_all: bool, chosen: Iterable[UUID], standings: Iterable[Standing]
) -> list[UUID]:
    """The portal contacts a request reaches now: all of the client's, or the chosen ones
    who still have portal access (one who lost it loses the request at once)."""
    members = {s.contact_id for s in standings if _member(s)}
    return sorted(members if audience_all else members & set(chosen))


def contact_in_request(audience_all: bool, chosen: Iterable[UUID], standing: Standing) -> bool:
    return _member(standing) and (audience_all or standing.contact_id in set(chosen))


def chosen_audience(chosen: Sequence[UUID] | None, standings: Iterable[Standing]) -> list[UUID]:
    """A request's chosen contacts must be the client's portal contacts; None means all."""
    members = request_audience(True, (), standings)
    if not members:
        raise Conflict("No contact of this client has portal access yet: invite one first.")
    if chosen is None:
        return members
    if not chosen or not set(chosen) <= set(members):
        raise Invalid(
            "Choose one or more of the client's contacts with portal access.", field="audience"
        )
    return sorted(set(chosen))


@dataclass(frozen=True)
class Schedule:
    """When a request's open items are reminded of, in days relative to their due date:
    some days before, on the day, then every few days after, at most so many in all."""

    days_before: tuple[int, ...] = (3,)
    on_due_date: bool = True
    every_days_after: int = 3
    at_most: int = 5


def reminder_times(due: date, schedule: Schedule, hour: int) -> list[datetime]:
    """Every reminder the schedule gives an item due on `due`, at `hour` UTC, in order."""
    offsets = sorted({-d for d in schedule.days_before if d > 0})
    if schedule.on_due_date:
        offsets.append(0)
    step = schedule.every_days_after
    while step > 0 and len(offsets) < schedule.at_most:
        offsets.append((offsets[-1] if offsets and offsets[-1] > 0 else 0) + step)
    at = datetime.combine(due, time(hour), tzinfo=UTC)
    return [at + timedelta(days=d) for d in offsets[: schedule.at_most]]


def next_reminder(
    due: date, schedule: Schedule, hour: int, *, after: datetime | None, sent: int
) -> datetime | None:
    """The first reminder later than `after` (a reminder whose time passed while nothing ran
    is skipped for the next one, except the latest passed one: see `due_reminder`)."""
    times = reminder_times(due, schedule, hour)
    if sent >= schedule.at_most:
        return None
    return next((t for t in times if after is None or t > after), None)


def first_reminder(due: date, schedule: Schedule, hour: int, now: datetime) -> datetime | None:
    """For a new or changed item: the first reminder still ahead (none in the past)."""
    return next_reminder(due, schedule, hour, after=now, sent=0)


def overdue(due: date, status: str, today: date) -> bool:
    return status in WAITING_FOR_CUSTOMER and due < today


# Message threads: per client, between the staff who see it and the contacts it includes.

EDIT_WINDOW = timedelta(minutes=15)


def thread_contacts(chosen: Sequence[UUID], standings: Iterable[Standing]) -> list[UUID]:
    """The contacts a staff member includes: one or more of the client's portal contacts."""
    members = set(request_audience(True, (), standings))
    if not chosen or not set(chosen) <= members:
        raise Invalid(
            "Include one or more of the client's contacts with portal access.", field="contacts"
        )
    return sorted(set(chosen))


def contact_in_thread(contacts: Iterable[UUID], standing: Standing) -> bool:
    """Included, and still a portal contact of the client: one who loses access loses the
    thread at once."""
    return _member(standing) and standing.contact_id in set(contacts)


def require_editable(
    *, author_id: UUID, editor_id: UUID, created_at: datetime, deleted: bool, now: datetime
) -> None:
    """Only the author edits a message, and only for 15 minutes after posting it."""
    if author_id != editor_id:
        raise Forbidden("Only the author can change a message.")
    if deleted:
        raise Conflict("This message was deleted.")
    if now - created_at > EDIT_WINDOW:
        raise Conflict("A message can be edited for 15 minutes after it was posted.")


def require_deletable(
    *, author_id: UUID, deleter_id: UUID, readers: Iterable[UUID], deleted: bool
) -> None:
    """Only the author deletes a message, and only while no other participant has read it."""
    if author_id != deleter_id:
        raise Forbidden("Only the author can delete a message.")
    if deleted:
        raise Conflict("This message was deleted already.")
    if any(reader != author_id for reader in readers):
        raise Conflict("Someone else has read this message: it can no longer be deleted.")
