"""Messages on the bus and the envelope that carries them.

Three kinds, all frozen pydantic models registered in one catalog by (type, version):
- `Event`: a fact, past tense, published on `portal.events` with its type as routing key.
- `Command`: an order to one service (`target`), sent to that service's private command
  queue; the only kind allowed to carry a secret (a login link, a one-time code).
- `Request`: an RPC question to its owning service (`target`), answered with its `Reply`.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


class Message(BaseModel):
    # Strict for what we build and write; read with unknown fields ignored (Envelope.open).
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    version: ClassVar[int]


class Event(Message):
    """A fact other services may learn from. Never carries a secret."""


class Command(Message):
    """An order addressed to one service's command queue."""

    target: ClassVar[str]


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Request(Message):
    """An RPC question. `idempotency_key` makes a retried call return the first answer."""

    target: ClassVar[str]
    reply: ClassVar[type[Reply]]

    idempotency_key: str = Field(min_length=1, max_length=200)


M = TypeVar("M", bound=type[Message])

_CATALOG: dict[tuple[str, int], type[Message]] = {}


class UnknownMessage(LookupError):
    pass


def message(type_: str, version: int = 1, *, target: str = "") -> Any:
    """Register a model in the catalog under its wire type and version."""

    def register(cls: M) -> M:
        key = (type_, version)
        if key in _CATALOG and _CATALOG[key] is not cls:
            raise ValueError(f"{type_} v{version} is registered twice")
        cls.type = type_
        cls.version = version
        if target:
            cls.target = target  # type: ignore[attr-defined]
        _CATALOG[key] = cls
        return cls

    return register


def lookup(type_: str, version: int) -> type[Message]:
    try:
        return _CATALOG[(type_, version)]
    except KeyError:
        raise UnknownMessage(f"{type_} v{version} is not in the catalog") from None


def catalog() -> Iterator[type[Message]]:
    yield from (_CATALOG[key] for key in sorted(_CATALOG))


class MissingFirm(ValueError):
    """A message that concerns a tenant arrived without its `firm_id`."""


class Envelope(BaseModel):
    """What travels on the wire: the message's data plus who, when and for which firm."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="Unique message id; consumers use it as idempotency key.")
    type: str = Field(description="Catalog type, e.g. `documents.document.uploaded`.")
    version: int = Field(ge=1, description="Version of the type's schema.")
    occurred_at: datetime = Field(description="When it happened (UTC).")
    firm_id: UUID | None = Field(description="The tenant it concerns, if any.")
    actor: UUID | None = Field(description="Who caused it (a person's id), if anyone.")
    data: dict[str, Any] = Field(description="The message model, as JSON.")

    @classmethod
    def wrap(
        cls,
        body: Message,
        *,
        firm_id: UUID | None,
        actor: UUID | None,
        now: datetime | None = None,
    ) -> "Envelope":
        return cls(
            id=uuid4(),
            type=body.type,
            version=body.version,
            occurred_at=now or datetime.now(UTC),
            firm_id=firm_id,
            actor=actor,
            data=body.model_dump(mode="json"),
        )

    def require_firm(self) -> UUID:
        """The tenant of a message that must name one; one that does not is refused (and so
        dead-lettered), never applied to no firm."""
        if self.firm_id is None:
            raise MissingFirm(f"{self.type} {self.id} names no firm")
        return self.firm_id

    def open(self) -> Message:
        """The typed message inside; raises UnknownMessage or pydantic.ValidationError.

        Fields this release does not know are ignored, at any depth: adding a field is a
        compatible change (ARCHITECTURE.md §3), so a newer producer's message is handled, not
        dead-lettered. What we write stays strict (the models forbid unknown fields)."""
        return lookup(self.type, self.version).model_validate(self.data, extra="ignore")
