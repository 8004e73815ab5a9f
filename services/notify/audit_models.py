"""Request and response models of the audit log's routes (kept apart from models.py, which
other work on notify changes at the same time)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

KIND = r"^[a-z_]+(\.[a-z_]+){0,2}$"


class AuditFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: UUID | None = Field(None, description="Only what this person did.")
    client_id: UUID | None = Field(None, description="Only what concerns this client.")
    kind: str | None = Field(
        None,
        pattern=KIND,
        max_length=100,
        description="An event type (`documents.document.downloaded`) or a prefix of whole "
        "parts (`documents`, `documents.document`).",
    )
    since: datetime | None = Field(None, description="From this time on (inclusive).")
    until: datetime | None = Field(None, description="Before this time (exclusive).")

    @model_validator(mode="after")
    def _times_have_zones(self) -> "AuditFilter":
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone (e.g. `Z`)")
        return self

    def values(
        self,
    ) -> tuple[UUID | None, UUID | None, str | None, datetime | None, datetime | None]:
        """In the order of the store's filter parameters."""
        return self.actor, self.client_id, self.kind, self.since, self.until


class AuditQuery(AuditFilter):
    before: int | None = Field(
        None, ge=1, description="Page on: entries before this sequence number (`next`)."
    )
    limit: int = Field(50, ge=1, le=500, description="Most entries returned.")


class AuditExportQuery(AuditFilter):
    format: Literal["csv", "jsonl"] = Field(description="CSV (with a header) or JSON Lines.")


class AuditEntry(BaseModel):
    seq: int = Field(description="Position in the firm's chain, from 1.")
    event_id: UUID
    occurred_at: datetime
    kind: str = Field(description="The event type.")
    actor: UUID | None = Field(description="Who did it (a person's id), if anyone.")
    summary: str
    client_id: UUID | None
    subjects: dict[str, str] = Field(description="The ids the event names.")
    source_address: str | None = Field(description="Where the actor called from, if known.")
    prev_hash: str = Field(description="SHA-256 of the entry before, hex.")
    hash: str = Field(description="SHA-256 of prev_hash + this entry's canonical JSON, hex.")


class AuditPage(BaseModel):
    entries: list[AuditEntry] = Field(description="Newest first.")
    next: int | None = Field(description="`before` for the next page; null on the last.")


class BrokenLink(BaseModel):
    seq: int = Field(description="The first position where the chain does not hold.")
    reason: str


class AuditVerification(BaseModel):
    valid: bool
    entries: int = Field(description="Entries checked (up to the first broken link).")
    head: int = Field(description="The sequence number of the chain's last link.")
    first_broken: BrokenLink | None
