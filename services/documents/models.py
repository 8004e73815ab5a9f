"""Request and response models of the HTTP API, and the rows the store returns."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.documents.domain import Level, Rules, Schedule
from shared.filenames import refuse_bidi_controls


def _not_only_dots(name: str) -> str:
    """`.` and `..` name no file anywhere; a browser saving one would have to invent a name."""
    if not name.strip(". "):
        raise ValueError("a name must hold more than dots and spaces")
    return name


Name = Annotated[
    str,
    Field(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$"),
    AfterValidator(refuse_bidi_controls),
    AfterValidator(_not_only_dots),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulesIn(Strict):
    level: Level | None = Field(None, description="Customer access: none, read or upload.")
    audience: list[UUID] | Literal["all"] | None = Field(
        None, description='"all" portal contacts of the client, or a chosen list of contact ids.'
    )
    primary_manages: bool | None = Field(
        None, description="The client's primary contact may change level and audience."
    )


class FolderCreate(RulesIn):
    name: Name
    parent_id: UUID | None = Field(None, description="Parent folder (same client); none = top.")


class FolderChange(RulesIn):
    name: Name | None = None
    parent_id: UUID | None = Field(None, description="Move under this folder (same client).")
    to_top: bool = Field(False, description="Move to the top level of the client.")


class AccessChange(Strict):
    """What a primary contact may change: level and audience."""

    level: Level | None = None
    audience: list[UUID] | Literal["all"] | None = None


class RulesOut(BaseModel):
    level: Level
    audience: list[UUID] | Literal["all"]
    primary_manages: bool

    @classmethod
    def of(cls, rules: Rules) -> "RulesOut":
        chosen = sorted(rules.audience)
        return cls(
            level=rules.level,
            audience="all" if rules.audience_all else chosen,
            primary_manages=rules.primary_manages,
        )


class FolderRow(BaseModel):
    id: UUID
    firm_id: UUID
    client_id: UUID
    parent_id: UUID | None
    name: str
    level: Level
    audience_all: bool
    audience: list[UUID]
    primary_manages: bool
    document_count: int
    document_bytes: int
    created_at: datetime
    updated_at: datetime

    @property
    def rules(self) -> Rules:
        return Rules(self.level, self.audience_all, frozenset(self.audience), self.primary_manages)


class FolderOut(BaseModel):
    id: UUID
    client_id: UUID
    parent_id: UUID | None
    name: str
    rules: RulesOut
    document_count: int = Field(description="Documents directly in this folder.")
    total_size: int = Field(description="Bytes of their current versions.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: FolderRow) -> "FolderOut":
        return cls(
            id=row.id, client_id=row.client_id, parent_id=row.parent_id, name=row.name,
            rules=RulesOut.of(row.rules), document_count=row.document_count,
            total_size=row.document_bytes,
            created_at=row.created_at, updated_at=row.updated_at,
        )  # fmt: skip

    @classmethod
    def listed(cls, row: Mapping[str, Any], rules: Rules) -> "FolderOut":
        """From a row of our own folders table, whose columns already have the types: built
        without validation, which was a third of a contact's listing of 100 folders."""
        return cls.model_construct(
            id=row["id"], client_id=row["client_id"], parent_id=row["parent_id"],
            name=row["name"], rules=RulesOut.model_construct(
                level=rules.level,
                audience="all" if rules.audience_all else sorted(rules.audience),
                primary_manages=rules.primary_manages,
            ),
            document_count=row["document_count"], total_size=row["document_bytes"],
            created_at=row["created_at"], updated_at=row["updated_at"],
        )  # fmt: skip


class FolderList(BaseModel):
    folders: list[FolderOut]


class DocumentRow(BaseModel):
    id: UUID
    firm_id: UUID
    client_id: UUID
    folder_id: UUID
    name: str
    created_by: UUID
    created_by_kind: str
    created_at: datetime
    updated_at: datetime
    finalised_at: datetime | None
    current_version_id: UUID | None
    size: int
    content_type: str
    version_count: int


class DocumentOut(BaseModel):
    id: UUID
    client_id: UUID
    folder_id: UUID
    name: str
    size: int
    content_type: str
    version_count: int
    current_version_id: UUID | None
    finalised: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: DocumentRow) -> "DocumentOut":
        return cls(
            **row.model_dump(exclude={"firm_id", "finalised_at", "created_by", "created_by_kind"}),
            finalised=row.finalised_at is not None,
        )


class DocumentPage(BaseModel):
    documents: list[DocumentOut]
    total: int
    limit: int
    offset: int


class DocumentQuery(Strict):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)
    sort: Literal["name", "date", "size"] = "name"
    order: Literal["asc", "desc"] = "asc"
    q: str | None = Field(None, max_length=200, description="Search by name (contains).")


class UploadQuery(Strict):
    name: Name


class DocumentChange(Strict):
    name: Name


class VersionRow(BaseModel):
    id: UUID
    document_id: UUID
    number: int
    object_key: str
    size: int
    sha256: str
    content_type: str
    reservation_key: str
    created_by: UUID
    created_at: datetime


class VersionOut(BaseModel):
    id: UUID
    number: int
    size: int
    sha256: str
    content_type: str
    created_by: UUID
    created_at: datetime


class VersionList(BaseModel):
    versions: list[VersionOut]


class DownloadQuery(Strict):
    version_id: UUID | None = None
    redirect: bool = Field(False, description="Answer 302 to a presigned URL (≤ 5 minutes).")


class AccessEntry(BaseModel):
    user_id: UUID
    user_kind: str
    version_id: UUID | None
    method: str
    at: datetime


class AccessLog(BaseModel):
    entries: list[AccessEntry]


class CommentIn(Strict):
    body: str = Field(min_length=1, max_length=10_000)


class CommentOut(BaseModel):
    id: UUID
    author_id: UUID
    author_kind: str
    body: str
    created_at: datetime


class CommentList(BaseModel):
    comments: list[CommentOut]


class ApprovalIn(Strict):
    message: str = Field("", max_length=5_000)
    contacts: list[UUID] | None = Field(
        None, description="Ask only these contacts (all must accept); none = first answer decides."
    )


class AnswerIn(Strict):
    answer: Literal["accepted", "rejected"]
    comment: str = Field("", max_length=5_000)


class AnswerOut(BaseModel):
    contact_id: UUID
    answer: str
    comment: str
    answered_at: datetime


class ApprovalOut(BaseModel):
    id: UUID
    document_id: UUID
    message: str
    contacts: list[UUID] | None
    status: str
    created_at: datetime
    decided_at: datetime | None
    answers: list[AnswerOut] = []


class ApprovalList(BaseModel):
    approvals: list[ApprovalOut]


class WaitingApproval(ApprovalOut):
    """A pending approval request with the document it is about, for an overview."""

    document_name: str
    folder_id: UUID
    client_id: UUID


class WaitingApprovals(BaseModel):
    approvals: list[WaitingApproval]


class NewDocuments(BaseModel):
    since: datetime | None
    documents: list[DocumentOut]


class MultipartCreate(Strict):
    name: Name
    size: int = Field(gt=0, description="Total bytes; reserved in billing now.")


class MultipartOut(BaseModel):
    id: UUID
    name: str
    size: int
    part_size: int
    parts: list[int] = Field(description="Part numbers already received (for resuming).")
    state: str


class UploadRow(BaseModel):
    id: UUID
    firm_id: UUID
    kind: str
    state: str
    folder_id: UUID
    name: str
    object_key: str
    s3_upload_id: str | None
    reservation_key: str
    size: int
    part_size: int
    created_by: UUID
    created_by_kind: str
    request_key: str | None
    result_document_id: UUID | None
    created_at: datetime
    heartbeat_at: datetime


# What an insert writes: the caller's facts only. The database sets the rest (times, state,
# version numbers), and the insert returns the row.


class NewFolder(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    client_id: UUID
    parent_id: UUID | None
    name: str
    rules: Rules


class NewDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    client_id: UUID
    folder_id: UUID
    name: str
    created_by: UUID
    created_by_kind: str


class NewVersion(BaseModel):
    """The next version of a document; its number is the next free one, set on insert."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    document_id: UUID
    firm_id: UUID
    object_key: str
    size: int
    sha256: str
    content_type: str
    reservation_key: str
    created_by: UUID


class NewUpload(BaseModel):
    """An upload about to begin (state "open" once recorded)."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    kind: str
    folder_id: UUID
    name: str
    object_key: str
    reservation_key: str
    size: int
    part_size: int
    created_by: UUID
    created_by_kind: str
    request_key: str | None


class NewComment(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    document_id: UUID
    author_id: UUID
    author_kind: str
    body: str


class NewApproval(BaseModel):
    """An approval request, pending; `named_contacts` None asks every contact who can see it."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    document_id: UUID
    requested_by: UUID
    message: str
    named_contacts: list[UUID] | None


class NewAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    approval_id: UUID
    contact_id: UUID
    answer: str
    comment: str


class NewAccess(BaseModel):
    """One read of a document (or of one version), as the access log keeps it."""

    model_config = ConfigDict(frozen=True)

    firm_id: UUID
    document_id: UUID
    version_id: UUID | None
    user_id: UUID
    user_kind: str
    method: str


class NewPart(BaseModel):
    """A part of a multipart upload as S3 received it."""

    model_config = ConfigDict(frozen=True)

    upload_id: UUID
    number: int
    etag: str
    size: int


class NewPendingFree(BaseModel):
    """Bytes of a deleted version owed back to billing until the object is gone from S3."""

    model_config = ConfigDict(frozen=True)

    version_id: UUID
    firm_id: UUID
    object_key: str
    size: int


# Identity's facts as replicas keep them: each as of `changed_at`, the event's `occurred_at`.


class NewClient(BaseModel):
    """A client as named (None: the name is not part of this fact) and whether archived."""

    model_config = ConfigDict(frozen=True)

    firm_id: UUID
    client_id: UUID
    name: str | None
    archived: bool
    changed_at: datetime


class NewAssignment(BaseModel):
    model_config = ConfigDict(frozen=True)

    firm_id: UUID
    staff_id: UUID
    client_id: UUID
    assigned: bool
    changed_at: datetime


class NewContact(BaseModel):
    model_config = ConfigDict(frozen=True)

    firm_id: UUID
    contact_id: UUID
    name: str
    changed_at: datetime


class NewPortalAccess(BaseModel):
    model_config = ConfigDict(frozen=True)

    firm_id: UUID
    contact_id: UUID
    granted: bool
    changed_at: datetime


class NewRelationship(BaseModel):
    model_config = ConfigDict(frozen=True)

    firm_id: UUID
    contact_id: UUID
    client_id: UUID
    linked: bool
    primary: bool
    roles: list[str]
    changed_at: datetime


# --- document requests -------------------------------------------------------------------

Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(refuse_bidi_controls)]
RequestStatus = Literal["open", "submitted", "accepted", "returned", "cancelled"]


class ScheduleIn(Strict):
    """When open items are reminded of; the default is 3 days before, on the day, and every
    3 days after, at most 5 in all."""

    days_before: list[Annotated[int, Field(ge=1, le=60)]] = Field([3], max_length=5)
    on_due_date: bool = True
    every_days_after: int = Field(3, ge=0, le=60, description="0: no reminders after the day.")
    at_most: int = Field(5, ge=0, le=20, description="Reminders per item at most (0: none).")


class ItemIn(Strict):
    title: Title
    description: str = Field("", max_length=5_000)
    due_date: date
    folder_id: UUID = Field(description="The client's folder the upload goes to.")


class ItemChange(Strict):
    title: Title | None = None
    description: str | None = Field(None, max_length=5_000)
    due_date: date | None = None
    folder_id: UUID | None = None


class RequestIn(Strict):
    title: Title
    message: str = Field("", max_length=5_000)
    audience: list[UUID] | Literal["all"] = Field(
        "all", description='"all" portal contacts of the client, or a chosen list of them.'
    )
    items: list[ItemIn] = Field(min_length=1, max_length=100)
    reminders: ScheduleIn = ScheduleIn()


class RequestChange(Strict):
    title: Title | None = None
    message: str | None = Field(None, max_length=5_000)
    reminders: ScheduleIn | None = None


class ReturnIn(Strict):
    reason: str = Field(min_length=1, max_length=5_000)


class RequestQuery(Strict):
    overdue: bool = Field(False, description="Only requests with an item past its due date.")
    status: RequestStatus | None = None


class ClientRequestQuery(Strict):
    status: RequestStatus | None = None


class ItemFile(BaseModel):
    document_id: UUID
    version_id: UUID
    name: str
    size: int
    uploaded_by: UUID
    uploaded_at: datetime


class ItemRow(BaseModel):
    id: UUID
    firm_id: UUID
    request_id: UUID
    position: int
    title: str
    description: str
    due_date: date
    folder_id: UUID
    status: RequestStatus
    return_reason: str
    next_reminder_at: datetime | None
    reminders_sent: int
    created_at: datetime
    updated_at: datetime


class ItemOut(BaseModel):
    id: UUID
    title: str
    description: str
    due_date: date
    folder_id: UUID
    status: RequestStatus
    return_reason: str = Field(description="Why staff returned it (empty unless returned).")
    overdue: bool
    files: list[ItemFile]


class RequestRow(BaseModel):
    id: UUID
    firm_id: UUID
    client_id: UUID
    title: str
    message: str
    audience_all: bool
    audience: list[UUID]
    status: RequestStatus
    remind_days_before: list[int]
    remind_on_due_date: bool
    remind_every_days_after: int
    remind_at_most: int
    created_by: UUID
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            tuple(self.remind_days_before), self.remind_on_due_date,
            self.remind_every_days_after, self.remind_at_most,
        )  # fmt: skip


class ScheduleOut(BaseModel):
    days_before: list[int]
    on_due_date: bool
    every_days_after: int
    at_most: int


class RequestOut(BaseModel):
    id: UUID
    client_id: UUID
    title: str
    message: str
    audience: list[UUID] | Literal["all"]
    status: RequestStatus
    reminders: ScheduleOut
    created_by: UUID
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    items: list[ItemOut]


class RequestList(BaseModel):
    requests: list[RequestOut]


class NewRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    client_id: UUID
    title: str
    message: str
    audience_all: bool
    audience: list[UUID]
    schedule: ScheduleIn
    created_by: UUID


class NewItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    request_id: UUID
    position: int
    title: str
    description: str
    due_date: date
    folder_id: UUID
    next_reminder_at: datetime | None


class NewItemFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    item_id: UUID
    firm_id: UUID
    document_id: UUID
    version_id: UUID
    name: str
    size: int
    uploaded_by: UUID


class DueReminder(BaseModel):
    """An item whose next reminder time has come, with what the reminder needs."""

    item: ItemRow
    request: RequestRow


# --- message threads ---------------------------------------------------------------------

MessageBody = Annotated[str, Field(min_length=1, max_length=20_000)]


class ThreadIn(Strict):
    subject: Title
    body: MessageBody
    contacts: list[UUID] | None = Field(
        None, description="Staff: the client's portal contacts to include (one or more). A "
        "contact starting a thread leaves this out: it includes them.",
    )  # fmt: skip
    attachments: list[UUID] = Field([], max_length=20, description="Files uploaded for it.")


class MessageIn(Strict):
    body: MessageBody
    attachments: list[UUID] = Field(
        [], max_length=20,
        description="Document ids of files this person uploaded into the thread and has not "
        "attached yet.",
    )  # fmt: skip


class MessageChange(Strict):
    body: MessageBody


class ThreadFolderIn(Strict):
    folder_id: UUID = Field(description="The client's folder message attachments go to.")


class ThreadFolderOut(BaseModel):
    folder_id: UUID | None = Field(description="None: attachments are refused until chosen.")


class ThreadRow(BaseModel):
    id: UUID
    firm_id: UUID
    client_id: UUID
    subject: str
    started_by: UUID
    started_by_kind: str
    created_at: datetime
    last_message_at: datetime
    contacts: list[UUID]


class ThreadSummary(BaseModel):
    id: UUID
    client_id: UUID
    subject: str
    contacts: list[UUID] = Field(description="The client's contacts the thread includes.")
    started_by: UUID
    started_by_kind: str
    created_at: datetime
    last_message_at: datetime
    unread: int = Field(description="Messages by others this caller has not read.")


class ThreadList(BaseModel):
    threads: list[ThreadSummary]


class MessageRow(BaseModel):
    id: UUID
    firm_id: UUID
    thread_id: UUID
    author_id: UUID
    author_kind: str
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


class ReadReceipt(BaseModel):
    reader_id: UUID
    read_at: datetime


class PreviousText(BaseModel):
    body: str
    replaced_at: datetime


class ThreadFile(BaseModel):
    document_id: UUID
    version_id: UUID
    name: str
    size: int


class MessageOut(BaseModel):
    id: UUID
    author_id: UUID
    author_kind: str
    body: str = Field(description="Empty once deleted.")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    attachments: list[ThreadFile]
    read_by: list[ReadReceipt]
    previous: list[PreviousText] | None = Field(
        description="Staff only: the text before each edit, oldest first."
    )


class ThreadOut(ThreadSummary):
    messages: list[MessageOut]


class NewThread(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    client_id: UUID
    subject: str
    started_by: UUID
    started_by_kind: str


class NewMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    firm_id: UUID
    thread_id: UUID
    author_id: UUID
    author_kind: str
    body: str
