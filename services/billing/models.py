"""Rows the store returns and the JSON the API speaks. Sizes in bytes: 1 GB = 10^9 bytes."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Plan = Literal["partner", "bureau"]


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class AccountRow(Row):
    firm_id: UUID
    plan: Plan
    blocks: int
    storage_limit: int
    storage_used: int
    storage_reserved: int
    storage_level: int
    credits: int
    credits_reserved: int


class StorageRow(Row):
    storage_used: int
    storage_reserved: int
    storage_limit: int
    storage_level: int


class CreditRow(Row):
    credits: int
    credits_reserved: int


class ReservationRow(Row):
    key: str
    bytes: int
    state: str
    expires_at: datetime


class PurchaseRow(Row):
    pack: str
    credits: int
    price_ore: int
    purchased_at: datetime


class KeyedPurchaseRow(PurchaseRow):
    id: UUID


class NewAccount(Row):
    """An account to open, as identity announced the firm."""

    firm_id: UUID
    name: str
    country: str
    plan: Plan
    storage_limit: int
    credits: int
    opened_at: datetime


class NewBlockChange(Row):
    """Blocks bought (`change` > 0) or cancelled (< 0) under the buyer's idempotency key."""

    firm_id: UUID
    idempotency_key: str
    change: int
    made_at: datetime
    made_by: UUID


class NewCreditPurchase(Row):
    """A credit pack bought; `idempotency_key` is the buyer's, if they sent one."""

    id: UUID
    firm_id: UUID
    pack: str
    credits: int
    price_ore: int
    purchased_at: datetime
    purchased_by: UUID
    idempotency_key: str | None


class Storage(BaseModel):
    used: int = Field(description="Committed bytes (1 GB = 10^9 bytes).")
    reserved: int = Field(description="Bytes held by uploads in progress.")
    limit: int = Field(description="Included bytes of the plan plus blocks.")
    blocks: int = Field(description="Add-on blocks held.")
    block_bytes: int = Field(description="Bytes per add-on block.")


class Balance(BaseModel):
    credits: int = Field(description="E-signature credits free to use.")
    reserved: int = Field(description="Credits held by signing requests not yet sent.")


class Account(BaseModel):
    firm_id: UUID
    plan: Plan
    storage: Storage
    balance: Balance


class PlanChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: Plan


class Keyed(BaseModel):
    """A request that costs money, made once however often it is sent under one key."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description=(
            "A key of the caller's choosing: the request sent again with the same key (a "
            "retried request, a double click) is made once; a key reused for a different "
            "request is refused (409)."
        ),
    )


class Blocks(Keyed):
    quantity: int = Field(1, ge=1, le=1000, description="Number of 10 GB blocks.")


class CreditPurchase(Keyed):
    pack: str = Field(description="Code of a configured credit pack, e.g. `10`.")


class Purchase(BaseModel):
    id: UUID
    pack: str
    credits: int
    price_ore: int = Field(description="Price in öre, excluding VAT.")
    balance: int = Field(description="Credits free to use after the purchase.")


class LedgerQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=500)
    before: int | None = Field(None, ge=1, description="`next_before` of the previous page.")


class LedgerEntry(BaseModel):
    id: int
    at: datetime
    kind: str = Field(description="e.g. `storage.reserved`, `credit.purchased`, `plan.changed`.")
    key: str | None
    bytes: int
    credits: int


class LedgerPage(BaseModel):
    entries: list[LedgerEntry]
    next_before: int | None = Field(description="Pass as `before` for older entries; null = end.")


class StatementLine(BaseModel):
    description: str
    quantity: int
    unit_price_ore: int = Field(description="öre, excluding VAT.")
    amount_ore: int = Field(description="quantity times unit price, öre, excluding VAT.")
    amount_sek: str = Field(description="The same amount as a decimal string, e.g. `79.00`.")


class Statement(BaseModel):
    month: str = Field(description="`YYYY-MM`.")
    currency: Literal["SEK"] = "SEK"
    lines: list[StatementLine]
    subtotal_ore: int
    vat_percent: int
    vat_ore: int
    total_ore: int
    subtotal_sek: str
    vat_sek: str
    total_sek: str


class PlanPrice(BaseModel):
    plan: Plan
    included_bytes: int = Field(description="Storage included, bytes (1 GB = 10^9 bytes).")


class PackPrice(BaseModel):
    pack: str = Field(description="Code to buy it by (POST /api/v1/billing/credit-purchases).")
    credits: int
    price_ore: int = Field(description="öre, excluding VAT.")


class Prices(BaseModel):
    """What is on sale, from the service's settings: the sign-up page and the billing page
    show these instead of restating them."""

    plans: list[PlanPrice]
    block_bytes: int = Field(description="Bytes of one storage add-on block.")
    block_price_ore: int = Field(description="Monthly price of one block, öre ex VAT.")
    credit_packs: list[PackPrice]
    vat_percent: int
    currency: Literal["SEK"] = "SEK"


class SigningBalance(BaseModel):
    credits: int = Field(description="E-signature credits free to use.")
