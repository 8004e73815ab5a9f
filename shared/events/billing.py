"""Messages produced by (or addressed to) the billing service.

Storage amounts are bytes, with 1 GB = 10^9 bytes. An RPC request's firm is the envelope's
`firm_id` (the caller passes `firm_id=` to `RpcClient.call`). The idempotency key of a
reservation is also its name: commit and release it by sending that same key. Keys must be
unique across firms (use a UUID): the kit remembers replies by (request type, key).
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import Event, Reply, Request, message

Plan = Literal["partner", "bureau"]


class StorageNumbers(Reply):
    used: int = Field(description="Committed bytes.")
    reserved: int = Field(description="Bytes held by open reservations.")
    limit: int = Field(description="Included bytes of the plan plus bought blocks.")


class StorageDecision(StorageNumbers):
    """Granted, or refused because used + reserved + bytes would exceed the limit."""

    granted: bool
    bytes: int
    expires_at: datetime | None = Field(description="When an unsettled grant lapses.")


class StorageSettled(StorageNumbers):
    """What a commit, release or free did; `state` is the reservation's state afterwards."""

    state: Literal["committed", "released", "expired", "freed"]
    bytes: int


class CreditNumbers(Reply):
    balance: int = Field(description="Credits free to reserve.")
    reserved: int = Field(description="Credits held by unsent signing requests.")


class CreditDecision(CreditNumbers):
    granted: bool


class CreditSettled(CreditNumbers):
    state: Literal["committed", "released"]


@message("billing.reserve_storage", 1, target="billing")
class ReserveStorage(Request):
    """Hold `bytes` of the firm's storage before storing them; the key names the hold."""

    reply: ClassVar[type[Reply]] = StorageDecision
    bytes: int = Field(gt=0, description="Bytes to hold (1 GB = 10^9 bytes).")


@message("billing.commit_storage", 1, target="billing")
class CommitStorage(Request):
    """The bytes of reservation `idempotency_key` are stored; refused (410) once it expired."""

    reply: ClassVar[type[Reply]] = StorageSettled


@message("billing.release_storage", 1, target="billing")
class ReleaseStorage(Request):
    """Give back an uncommitted reservation (failed or abandoned upload)."""

    reply: ClassVar[type[Reply]] = StorageSettled


@message("billing.free_storage", 1, target="billing")
class FreeStorage(Request):
    """Committed bytes were deleted; the key makes a retried deletion count once."""

    reply: ClassVar[type[Reply]] = StorageSettled
    bytes: int = Field(gt=0)


@message("billing.reserve_credit", 1, target="billing")
class ReserveCredit(Request):
    """Hold one e-signature credit for a signing request; the key names the hold."""

    reply: ClassVar[type[Reply]] = CreditDecision


@message("billing.commit_credit", 1, target="billing")
class CommitCredit(Request):
    """The signing request was sent: the held credit is spent."""

    reply: ClassVar[type[Reply]] = CreditSettled


@message("billing.release_credit", 1, target="billing")
class ReleaseCredit(Request):
    """Cancelled before anyone signed: the credit (held or spent) returns to the balance."""

    reply: ClassVar[type[Reply]] = CreditSettled


@message("billing.account.opened", 1)
class AccountOpened(Event):
    plan: Plan
    storage_limit: int
    balance: int


@message("billing.plan.changed", 1)
class PlanChanged(Event):
    plan: Plan
    previous_plan: Plan
    storage_limit: int


@message("billing.storage.limit_changed", 1)
class StorageLimitChanged(Event):
    """Storage blocks were bought or cancelled."""

    blocks: int
    storage_limit: int


@message("billing.storage.threshold_reached", 1)
class StorageThresholdReached(Event):
    """Committed usage crossed 80 % or 100 % of the limit (again only after dropping below)."""

    threshold: Literal[80, 100]
    used: int
    limit: int


@message("billing.balance.depleted", 1)
class BalanceDepleted(Event):
    """No e-signature credit is left to reserve."""

    reserved: int


@message("billing.balance.topped_up", 1)
class BalanceToppedUp(Event):
    purchase_id: UUID
    credits: int
    balance: int
