"""Rows as the store returns them, and the HTTP request/response models."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

Language = Literal["sv", "en", "de", "es"]
Role = Literal["signer", "approver", "viewer"]
Method = Literal["eid", "email_otp", "click"]
State = Literal["draft", "sent", "completed", "declined", "expired", "cancelled"]
PartyStatus = Literal["waiting", "invited", "signed", "declined"]
Credit = Literal["none", "reserving", "committed", "releasing", "released"]
LinkKind = Literal["sign", "copy"]


class Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Attachment(Row):
    document_id: UUID
    name: str
    sha256: str
    size: int


class SigningRow(Row):
    id: UUID
    firm_id: UUID
    client_id: UUID
    folder_id: UUID
    document_id: UUID
    document_name: str
    document_sha256: str
    document_size: int
    attachments: list[Attachment]
    message: str
    language: Language
    expires_at: datetime
    reminder_days: int | None
    state: State
    credit: Credit
    credit_attempt: int = 0
    halted: str | None
    created_by: UUID
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None
    sealed_sha256: str | None
    sealed_size: int | None
    signed_document_id: UUID | None
    unsealed: str | None = None


class PartyRow(Row):
    id: UUID
    signing_id: UUID
    position: int
    name: str
    email: str
    phone: str | None
    personal_number_sealed: bytes | None
    role: Role
    sign_order: int
    method: Method
    contact_id: UUID | None
    status: PartyStatus
    invited_at: datetime | None
    viewed_at: datetime | None
    acted_at: datetime | None
    reminded_at: datetime | None
    decline_reason: str | None
    typed_name: str | None
    otp_hash: bytes | None
    otp_expires_at: datetime | None
    otp_sent_at: datetime | None
    otp_attempts: int
    eid_order: str | None
    session_hash: bytes | None
    session_expires_at: datetime | None


class LinkRow(Row):
    kind: LinkKind
    party_id: UUID
    signing_id: UUID
    firm_id: UUID
    expires_at: datetime


class AuditRow(Row):
    at: datetime
    action: str
    party_id: UUID | None
    method: str | None
    address: str | None
    user_agent: str | None
    document_sha256: str | None
    detail: str


class Evidence(Row):
    """Where an action came from, as the HTTP request showed it."""

    address: str | None
    user_agent: str | None


# --- Payloads: what an insert writes (the table fills in the rest) ---------------------------


class NewSigning(Row):
    """A draft request: what staff asked for and the document as copied; state `draft`, no
    credit taken, nothing sealed."""

    id: UUID
    firm_id: UUID
    client_id: UUID
    folder_id: UUID
    document_id: UUID
    document_name: str
    document_sha256: str
    document_size: int
    attachments: list[Attachment]
    message: str
    language: Language
    expires_at: datetime
    reminder_days: int | None
    created_by: UUID
    created_at: datetime


class NewParty(Row):
    """A party as staff named them (the personal number sealed), waiting for their turn."""

    id: UUID
    signing_id: UUID
    firm_id: UUID
    position: int
    name: str
    email: str
    phone: str | None
    personal_number_sealed: bytes | None
    role: Role
    sign_order: int
    method: Method
    contact_id: UUID | None


class NewAuditEvent(Row):
    """One action on the audit trail, with the evidence the request showed (if any)."""

    signing_id: UUID
    firm_id: UUID
    at: datetime
    action: str
    party_id: UUID | None = None
    method: str | None = None
    evidence: Evidence | None = None
    document_sha256: str | None = None
    detail: str = ""

    @classmethod
    def on(cls, signing: SigningRow, at: datetime, action: str, **extra: Any) -> "NewAuditEvent":
        """An action on `signing`'s trail: its id and firm come from the row itself."""
        return cls(signing_id=signing.id, firm_id=signing.firm_id, at=at, action=action, **extra)


class NewLink(Row):
    """A party's secret link, kept only as the SHA-256 of its token."""

    token_hash: bytes
    kind: LinkKind
    party_id: UUID
    signing_id: UUID
    firm_id: UUID
    created_at: datetime
    expires_at: datetime


# --- HTTP: staff -----------------------------------------------------------------------------


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = Field(None, max_length=40)
    personal_number: str | None = Field(
        None, max_length=20, description="Needed for `eid`; never shown back in full."
    )
    role: Role = "signer"
    order: int = Field(1, ge=1, le=50, description="Same number = in parallel.")
    method: Method = "click"
    contact_id: UUID | None = Field(None, description="Set when the party is a client contact.")


class SigningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: UUID
    attachment_ids: list[UUID] = Field(default_factory=list, max_length=10)
    message: str = Field("", max_length=4000)
    language: Language = "en"
    expires_at: AwareDatetime | None = Field(None, description="Default: settings' expiry days.")
    reminder_days: int | None = Field(None, ge=1, le=30, description="Remind every N days.")
    parties: list[PartyIn] = Field(min_length=1, max_length=30)


class PartyLink(BaseModel):
    """A party's own link, for a contact opening their party page from the portal."""

    token: str = Field(description="For `/api/v1/sign/{token}`; keep it out of addresses.")
    url: str = Field(description="The party page, with the token in the fragment.")
    expires_at: datetime


class PartyOut(BaseModel):
    id: UUID
    name: str
    email: str
    role: Role
    order: int
    method: Method
    contact_id: UUID | None
    status: PartyStatus
    invited_at: datetime | None
    viewed_at: datetime | None
    acted_at: datetime | None
    decline_reason: str | None


class AuditOut(BaseModel):
    at: datetime
    action: str
    party_id: UUID | None
    method: str | None
    address: str | None
    user_agent: str | None
    document_sha256: str | None
    detail: str


class Progress(BaseModel):
    acted: int
    required: int


class SigningOut(BaseModel):
    id: UUID
    client_id: UUID
    folder_id: UUID
    document_id: UUID
    document_name: str
    document_sha256: str
    attachments: list[Attachment]
    message: str
    language: Language
    state: State
    halted: str | None = Field(description="Why signing stopped (e.g. the document changed).")
    unsealed: str | None = Field(
        None,
        description=(
            "Everyone signed but the signed PDF could not be sealed yet (e.g. no timestamp"
            " authority answered): why. Sealing is retried until it succeeds."
        ),
    )
    expires_at: datetime
    reminder_days: int | None
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None
    signed_document_id: UUID | None
    progress: Progress
    parties: list[PartyOut]
    audit: list[AuditOut] = Field(default_factory=list)


class SigningSummary(BaseModel):
    id: UUID
    client_id: UUID
    document_name: str
    state: State
    halted: str | None
    expires_at: datetime
    progress: Progress
    reason: str | None = Field(None, description="Why it needs attention, in lists that say so.")


class SigningList(BaseModel):
    items: list[SigningSummary]


class ListQuery(BaseModel):
    client_id: UUID
    state: State | None = None
    limit: int = Field(100, ge=1, le=500)


class AttentionQuery(BaseModel):
    client_id: UUID | None = None


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=1000)


# --- HTTP: parties ---------------------------------------------------------------------------


class OtherParty(BaseModel):
    name: str
    role: Role
    order: int
    status: PartyStatus


class PartyView(BaseModel):
    signing_id: UUID
    document_name: str
    document_sha256: str
    attachments: list[Attachment]
    message: str
    language: Language
    expires_at: datetime
    you: OtherParty
    method: Method
    may_act_now: bool
    authenticated: bool
    parties: list[OtherParty]


class CodeSent(BaseModel):
    expires_at: datetime


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9]{6}$")


class Session(BaseModel):
    session: str = Field(description="Send as header `X-Signing-Session` when signing.")
    expires_at: datetime


class EidStarted(BaseModel):
    order_ref: str


class EidCollectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # BankID's are UUIDs; the local provider's carry their sealed facts (about 100).
    order_ref: str = Field(min_length=1, max_length=200)


class EidStatus(BaseModel):
    status: Literal["pending", "complete"]
    session: Session | None = None


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    typed_name: str | None = Field(None, max_length=200)
    drawn_signature: str | None = Field(
        None, max_length=200_000, description="PNG of a drawn signature, base64."
    )


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class Acted(BaseModel):
    status: PartyStatus
    request_state: State


class VerifiedParty(BaseModel):
    name: str
    role: Role
    order: int = Field(description="Parties with the same number acted in parallel.")
    method: Method
    acted_at: datetime | None


class Verification(BaseModel):
    """What a file says about itself. `parties` and the request come from the platform's own
    evidence, and only for an intact file whose exact bytes the platform sealed."""

    sealed_by_platform: bool = Field(description="Sealed with this platform's certificate.")
    verdict: Literal["intact", "changed", "not_sealed"] = Field(
        description=(
            "`intact`: the seal covers the file and nothing changed since; `changed`: the seal"
            " is broken or content was added after it; `not_sealed`: no seal of this platform."
        )
    )
    sealed_at: datetime | None = Field(None, description="When sealed, as the seal says.")
    timestamped_at: datetime | None = Field(
        None, description="The trusted time of the seal's RFC 3161 timestamp, if it has one."
    )
    timestamp_authority: str | None = Field(None, description="Who vouches for that time.")
    long_term_validation: bool = Field(
        False, description="The file carries the chains and revocation data to check it offline."
    )
    document_name: str | None = None
    completed_at: datetime | None = None
    parties: list[VerifiedParty] = Field(default_factory=list)
