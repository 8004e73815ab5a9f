"""Messages produced by (or addressed to) the documents service.

The two RPCs below are the contract with signing: signing never reads documents' database or
bucket; it asks for a short-lived download URL of a document a staff user may see, and hands
a sealed PDF back the same way (a URL documents copies the bytes from).
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event, Reply, Request, message

StaffRole = Literal["owner", "admin", "member"]
AccessLevel = Literal["none", "read", "upload"]


class SigningSource(Reply):
    """A document version ready to be read by signing."""

    document_id: UUID
    version_id: UUID
    client_id: UUID
    folder_id: UUID
    name: str
    content_type: str
    size: int
    sha256: str = Field(description="Hex SHA-256 of this version's bytes.")
    download_url: str = Field(description="Presigned GET of this version, valid ≤ 5 minutes.")
    finalised: bool


@message("documents.open_for_signing", 1, target="documents")
class OpenForSigning(Request):
    """May this staff user send this document (latest version) for signing? If so, where are
    its bytes. Refused as 404 when the user cannot see the document."""

    reply: ClassVar[type[Reply]] = SigningSource

    document_id: UUID
    staff_id: UUID
    staff_role: StaffRole


class StoredDocument(Reply):
    document_id: UUID
    folder_id: UUID
    client_id: UUID


@message("documents.store_signed", 1, target="documents")
class StoreSignedDocument(Request):
    """Store a sealed PDF as a new document next to the original (same folder). Documents
    copies the bytes from `source_url`, checks size and SHA-256, and reserves the storage."""

    reply: ClassVar[type[Reply]] = StoredDocument

    original_document_id: UUID
    name: str = Field(min_length=1, max_length=255)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source_url: str = Field(description="Presigned GET on signing's bucket, valid ≥ 5 minutes.")
    signing_id: UUID


# Events. `audience` is always the ids of the contacts who can see the thing when it happened,
# so consumers (notify) need no copy of the folder rules. No file contents, no links.


class FolderRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    level: AccessLevel = Field(description="Customer access: none, read, or upload.")
    audience_all: bool = Field(description="All of the client's portal contacts are admitted.")
    audience: list[UUID] = Field(description="The chosen contacts when audience_all is false.")
    primary_manages: bool = Field(description="The primary contact may change level/audience.")


@message("documents.folder.created", 1)
class FolderCreated(Event):
    folder_id: UUID
    client_id: UUID
    parent_id: UUID | None
    name: str
    rules: FolderRules


@message("documents.folder.updated", 1)
class FolderUpdated(Event):
    """Renamed, moved, or its rules changed; carries the folder as it now is."""

    folder_id: UUID
    client_id: UUID
    parent_id: UUID | None
    name: str
    rules: FolderRules


@message("documents.folder.deleted", 1)
class FolderDeleted(Event):
    folder_id: UUID
    client_id: UUID


@message("documents.document.uploaded", 1)
class DocumentUploaded(Event):
    document_id: UUID
    version_id: UUID
    client_id: UUID
    folder_id: UUID
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_by_kind: Literal["staff", "contact", "signing"]
    audience: list[UUID] = Field(description="Contacts who can see the document.")


@message("documents.document.version_added", 1)
class DocumentVersionAdded(Event):
    document_id: UUID
    version_id: UUID
    number: int
    client_id: UUID
    folder_id: UUID
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_by_kind: Literal["staff", "contact", "signing"]
    audience: list[UUID]


@message("documents.document.finalised", 1)
class DocumentFinalised(Event):
    document_id: UUID
    client_id: UUID
    folder_id: UUID
    name: str


@message("documents.document.deleted", 1)
class DocumentDeleted(Event):
    """A whole document (`version_id` null) or one version of it was deleted."""

    document_id: UUID
    version_id: UUID | None
    client_id: UUID
    folder_id: UUID
    name: str
    bytes_freed: int


@message("documents.document.downloaded", 1)
class DocumentDownloaded(Event):
    """For audit consumers: who (envelope actor) read which version, and how."""

    document_id: UUID
    version_id: UUID
    client_id: UUID
    user_kind: Literal["staff", "contact"]
    method: Literal["stream", "redirect"]


@message("documents.comment.added", 1)
class CommentAdded(Event):
    comment_id: UUID
    document_id: UUID
    client_id: UUID
    folder_id: UUID
    document_name: str
    author_kind: Literal["staff", "contact"]
    body: str
    audience: list[UUID]


@message("documents.approval.requested", 1)
class ApprovalRequested(Event):
    approval_id: UUID
    document_id: UUID
    client_id: UUID
    document_name: str
    message: str
    contacts: list[UUID] = Field(description="The contacts asked to accept or reject.")
    first_answer_decides: bool


@message("documents.approval.answered", 1)
class ApprovalAnswered(Event):
    approval_id: UUID
    document_id: UUID
    client_id: UUID
    contact_id: UUID
    answer: Literal["accepted", "rejected"]
    comment: str
    status: Literal["pending", "accepted", "rejected"] = Field(
        description="The request's status after this answer."
    )


# Document requests: staff ask a client's portal contacts for documents, item by item.
# `contacts` is the request's audience when it happened (the portal contacts it reaches), so
# notify needs no copy of it; `status` is the request's status after the change.

RequestStatus = Literal["open", "submitted", "accepted", "returned", "cancelled"]


class RequestedItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: UUID
    title: str
    due_date: str = Field(description="ISO date the item is due.")
    folder_id: UUID


@message("documents.request.created", 1)
class DocumentRequestCreated(Event):
    request_id: UUID
    client_id: UUID
    title: str
    message: str
    items: list[RequestedItem]
    contacts: list[UUID] = Field(description="The portal contacts asked.")


@message("documents.request.item_added", 1)
class RequestItemAdded(Event):
    request_id: UUID
    client_id: UUID
    request_title: str
    item: RequestedItem
    status: RequestStatus
    contacts: list[UUID]


@message("documents.request.item_changed", 1)
class RequestItemChanged(Event):
    """Staff edited an item (title, description, due date or folder); carries it as it is."""

    request_id: UUID
    client_id: UUID
    request_title: str
    item: RequestedItem
    contacts: list[UUID]


@message("documents.request.item_status_changed", 1)
class RequestItemStatusChanged(Event):
    """An item was submitted (a contact uploaded a file against it: `document_id`), accepted,
    returned (with `reason`) or cancelled (removed from the request)."""

    request_id: UUID
    client_id: UUID
    request_title: str
    item_id: UUID
    item_title: str
    item_status: RequestStatus
    reason: str = ""
    document_id: UUID | None = None
    document_name: str = ""
    status: RequestStatus
    contacts: list[UUID]


@message("documents.request.closed", 1)
class DocumentRequestClosed(Event):
    """Staff closed the request (items not accepted are cancelled) or cancelled it."""

    request_id: UUID
    client_id: UUID
    title: str
    cancelled: bool
    status: RequestStatus
    contacts: list[UUID]


@message("documents.request.reminder_due", 1)
class RequestReminderDue(Event):
    """An item still waits for the customer at one of its reminder times (before or after its
    due date); published once per item and time, whatever the number of replicas."""

    request_id: UUID
    client_id: UUID
    request_title: str
    item_id: UUID
    item_title: str
    due_date: str
    remind_at: str = Field(description="The scheduled reminder time (ISO, UTC).")
    overdue: bool
    contacts: list[UUID]


# Message threads between a client's contacts and the firm's staff who see the client.
# `contacts` are the client's contacts the thread includes.


@message("documents.thread.started", 1)
class ThreadStarted(Event):
    thread_id: UUID
    client_id: UUID
    subject: str
    started_by_kind: Literal["staff", "contact"]
    contacts: list[UUID]


@message("documents.thread.message_posted", 1)
class MessagePosted(Event):
    thread_id: UUID
    message_id: UUID
    client_id: UUID
    subject: str
    author_kind: Literal["staff", "contact"]
    body: str
    attachments: list[str] = Field(description="Names of the files attached.")
    contacts: list[UUID]


@message("documents.thread.message_edited", 1)
class MessageEdited(Event):
    thread_id: UUID
    message_id: UUID
    client_id: UUID


@message("documents.thread.message_deleted", 1)
class MessageDeleted(Event):
    thread_id: UUID
    message_id: UUID
    client_id: UUID
