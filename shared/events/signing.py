"""Messages produced by (or addressed to) the signing service.

Public events carry no link, no one-time code and no personal identity number: whatever a
party needs to act travels as a command to notify's queue. The firm is the envelope's
`firm_id`; `contact_id` is set when a party is one of the client's contacts.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Command, Event, message

Language = Literal["sv", "en", "de", "es"]
PartyRole = Literal["signer", "approver", "viewer"]
Method = Literal["eid", "email_otp", "click"]


class PartySummary(BaseModel):
    """Who takes part, without contact details."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party_id: UUID
    name: str
    role: PartyRole
    order: int
    method: Method
    contact_id: UUID | None


@message("signing.request.created", 1)
class SigningCreated(Event):
    signing_id: UUID
    client_id: UUID
    document_id: UUID
    document_name: str
    language: Language
    parties: list[PartySummary]


@message("signing.request.sent", 1)
class SigningSent(Event):
    """One credit was spent; the first order group is being invited."""

    signing_id: UUID
    client_id: UUID
    document_id: UUID
    document_name: str
    document_sha256: str
    expires_at: datetime
    parties: list[PartySummary]


@message("signing.party.invited", 1)
class PartyInvited(Event):
    """A party's turn has come (their link went to notify as a command)."""

    signing_id: UUID
    client_id: UUID
    party_id: UUID
    contact_id: UUID | None
    role: PartyRole


@message("signing.party.viewed", 1)
class PartyViewed(Event):
    signing_id: UUID
    client_id: UUID
    party_id: UUID
    contact_id: UUID | None


@message("signing.party.signed", 1)
class PartySigned(Event):
    """A signer signed or an approver approved (`role` says which)."""

    signing_id: UUID
    client_id: UUID
    party_id: UUID
    contact_id: UUID | None
    role: PartyRole
    method: Method
    document_sha256: str


@message("signing.party.declined", 1)
class PartyDeclined(Event):
    """A party declined; the whole request is now `declined`."""

    signing_id: UUID
    client_id: UUID
    party_id: UUID
    contact_id: UUID | None
    reason: str


@message("signing.request.completed", 1)
class SigningCompleted(Event):
    """Everyone acted; the sealed PDF is stored as `signed_document_id` in the same folder."""

    signing_id: UUID
    client_id: UUID
    document_id: UUID
    signed_document_id: UUID
    folder_id: UUID
    signed_sha256: str


@message("signing.request.expired", 1)
class SigningExpired(Event):
    signing_id: UUID
    client_id: UUID


@message("signing.request.cancelled", 1)
class SigningCancelled(Event):
    signing_id: UUID
    client_id: UUID
    credit_returned: bool


@message("signing.reminder.due", 1)
class SigningReminderDue(Event):
    """A party who has not acted was reminded (a new link went to notify as a command)."""

    signing_id: UUID
    client_id: UUID
    party_id: UUID
    contact_id: UUID | None


class _ToParty(Command):
    signing_id: UUID
    party_id: UUID
    email: str
    name: str
    language: Language
    document_name: str


@message("notify.send_signing_invitation", 1, target="notify")
class SendSigningInvitation(_ToParty):
    """Ask a party to open `link` and sign (or approve) the document."""

    role: PartyRole
    message: str
    link: str
    expires_at: datetime


@message("notify.send_signing_cancelled", 1, target="notify")
class SendSigningCancelled(_ToParty):
    """The request was withdrawn: the party's links no longer work and nothing is asked of
    them any more."""

    reason: str


@message("notify.send_signing_reminder", 1, target="notify")
class SendSigningReminder(_ToParty):
    """A reminder with a fresh link; earlier links keep working until they expire."""

    role: PartyRole
    link: str
    expires_at: datetime


@message("notify.send_signing_code", 1, target="notify")
class SendOneTimeCode(_ToParty):
    """The six-digit code a party with method `email_otp` types in to authenticate."""

    code: str = Field(pattern=r"^[0-9]{6}$")
    expires_at: datetime


@message("notify.send_signed_copy", 1, target="notify")
class SendSignedCopy(_ToParty):
    """The request is complete; `link` opens the page that downloads the sealed PDF, until
    `expires_at`."""

    link: str
    expires_at: datetime
