"""Webhook rows and the HTTP models of `/api/v1/webhooks`."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.events.base import Event, catalog

# Every public event type an endpoint may ask for: the events of the catalog (commands and
# RPC requests never leave their queues).
EVENT_TYPES: dict[str, str] = {
    model.type: " ".join((model.__doc__ or "").split())
    for model in catalog()
    if issubclass(model, Event)
}
DisabledReason = Literal["manual", "gone", "failing"]
DeliveryState = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True)
class EndpointRow:
    id: UUID
    firm_id: UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    previous_secret_until: datetime | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Secrets:
    """An endpoint's sealed secrets, for signing and rotating."""

    current: bytes
    previous: bytes | None
    previous_until: datetime | None


@dataclass(frozen=True)
class ClaimedDelivery:
    id: UUID
    firm_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    payload: str
    attempts: int
    url: str
    secrets: Secrets


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    delivery_id: UUID
    endpoint_id: UUID
    state: str  # pending (retry at `delay`) | delivered | failed
    status: int | None
    body: str | None
    latency_ms: float
    error: str | None
    delay: float
    gone: bool = False


def _known_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)}")
    if len(set(types)) != len(types):
        raise ValueError("an event type is listed twice")
    return types


URL = Field(min_length=1, max_length=2000, description="HTTPS URL the events are POSTed to.")
TYPES = Field(
    min_length=1, max_length=200, description="Event types to deliver (GET …/event-types)."
)


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = URL
    event_types: list[str] = TYPES
    description: str = Field("", max_length=500, description="What the endpoint is for.")

    @field_validator("event_types")
    @classmethod
    def _types(cls, types: list[str]) -> list[str]:
        return _known_types(types)


class WebhookChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=500)
    enabled: bool | None = Field(
        None, description="Turn deliveries on or off; turning on clears a failure run."
    )

    @field_validator("event_types")
    @classmethod
    def _types(cls, types: list[str] | None) -> list[str] | None:
        return None if types is None else _known_types(types)


class Webhook(BaseModel):
    id: UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: DisabledReason | None = Field(
        description="`manual`, `gone` (the receiver answered 410) or `failing` (5 days)."
    )
    failing_since: datetime | None = Field(description="First failure of the current run.")
    previous_secret_valid_until: datetime | None = Field(
        description="After a rotation, until when the previous secret still signs."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: EndpointRow) -> "Webhook":
        return cls(
            id=row.id, url=row.url, description=row.description, event_types=row.event_types,
            enabled=row.enabled, disabled_reason=row.disabled_reason,  # type: ignore[arg-type]
            failing_since=row.failing_since, previous_secret_valid_until=row.previous_secret_until,
            created_at=row.created_at, updated_at=row.updated_at,
        )  # fmt: skip


class WebhookSecret(BaseModel):
    secret: str = Field(description="`whsec_<base64>`: shown now and never again.")
    previous_valid_until: datetime | None = Field(
        description="Until when the previous secret still signs (rotation)."
    )


class WebhookCreated(Webhook):
    secret: str = Field(description="`whsec_<base64>`: shown now and never again.")


class WebhookList(BaseModel):
    items: list[Webhook]


class EventType(BaseModel):
    type: str
    description: str


class EventTypes(BaseModel):
    items: list[EventType]


class DeliveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: datetime | None = Field(None, description="Page on: deliveries created before this.")
    limit: int = Field(50, ge=1, le=200, description="Most deliveries returned.")


class WebhookDelivery(BaseModel):
    id: UUID
    event_id: UUID = Field(description="Also the `webhook-id` header.")
    event_type: str
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When pending: the next try.")
    last_attempt_at: datetime | None
    response_status: int | None
    response_body: str | None = Field(description="The first 1 KB of the last answer.")
    latency_ms: float | None
    error: str | None = Field(description="Why the last try failed without an answer.")


class DeliveryPage(BaseModel):
    items: list[WebhookDelivery] = Field(description="Newest first.")
    next_before: datetime | None = Field(description="`before` of the next page, if any.")


class ResendSince(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: datetime = Field(description="Re-send every delivery created at or after this.")


class Resent(BaseModel):
    queued: int
