"""Notify's rows and its HTTP request/response models."""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.notify.domain import Category, Choice, valid_time_zone


@dataclass(frozen=True)
class Firm:
    name: str
    language: str


@dataclass(frozen=True)
class Brand:
    """A firm's branding as identity announced it (null: not chosen)."""

    display_name: str | None = None
    primary_color: str | None = None
    accent_color: str | None = None
    logo_url: str | None = None
    portal_url: str | None = None


@dataclass(frozen=True)
class Relationship:
    """A contact's link to a client as identity announced it; `linked` is false once ended."""

    contact_id: UUID
    client_id: UUID
    roles: tuple[str, ...]
    primary: bool
    linked: bool


@dataclass(frozen=True)
class StaffAssignment:
    """A staff member's assignment to a client as identity announced it; `assigned` is false
    once unassigned."""

    staff_id: UUID
    client_id: UUID
    assigned: bool


@dataclass(frozen=True)
class NewNotification:
    """A feed entry for one user about one event."""

    id: UUID
    firm_id: UUID
    user_id: UUID
    event_id: UUID
    kind: str
    category: str
    title: str
    link: str
    delivery: Choice
    created_at: datetime


@dataclass(frozen=True)
class NewDelivery:
    """An email to send once: `recipient` names the person (or address) within the event."""

    id: UUID
    event_id: UUID
    recipient: str
    firm_id: UUID | None
    kind: str
    email: str
    subject: str
    text_body: str
    html_body: str
    secret: bool


@dataclass(frozen=True)
class Claimed:
    id: UUID
    kind: str
    email: str
    subject: str
    text_body: str
    html_body: str
    attempts: int
    trace_context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    id: UUID
    state: str  # queued (retry later) | sent | failed
    reply: str
    delay: float


class Preferences(BaseModel):
    """The signed-in user's notification choices."""

    categories: dict[Category, Choice] = Field(
        description="Per category: `immediate` email, one `daily_digest`, or `off`. Security "
        "messages (invitations, sign-in links, codes, password resets) ignore these."
    )
    time_zone: str = Field(description="IANA time zone the daily digest hour is read in.")
    digest_hour: int = Field(description="Local hour at which the daily digest is sent.")


class PreferencesChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: dict[Category, Choice] = Field(
        default_factory=dict, description="Only the categories to change."
    )
    time_zone: str | None = Field(None, description="IANA time zone, e.g. `Europe/Stockholm`.")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else valid_time_zone(value)


class Notification(BaseModel):
    id: UUID
    kind: str = Field(description="Message kind, e.g. `document_uploaded`.")
    category: Category
    title: str = Field(description="One line, in the user's language.")
    link: str = Field(description="Where in the portal it points.")
    created_at: datetime
    read: bool


class Feed(BaseModel):
    items: list[Notification] = Field(description="Newest first.")
    unread: int = Field(description="Unread notifications in total.")


class FeedQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unread_only: bool = Field(False, description="Only unread notifications.")
    before: datetime | None = Field(None, description="Page on: entries older than this.")
    limit: int = Field(50, ge=1, le=200, description="Most entries returned.")


@dataclass(frozen=True)
class Signing:
    """What notify remembers of a signing: who started it and who takes part.

    `parties` maps a party id (text) to {"name", "contact_id"}."""

    signing_id: UUID
    client_id: UUID
    started_by: UUID | None
    document_name: str
    parties: dict[str, dict[str, str | None]]
