"""Settings of the billing service (env prefix `BILLING_`).

Plans, prices and packs are configuration: nothing else in the service names an amount.
Amounts are öre (1 SEK = 100 öre), excluding VAT; sizes are bytes with 1 GB = 10^9 bytes.
"""

from typing import ClassVar

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

GB = 10**9


class CreditPack(BaseModel):
    credits: int = Field(gt=0, description="E-signature credits the pack adds.")
    price_ore: int = Field(ge=0, description="Price in öre, excluding VAT.")


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_")

    service: ClassVar[str] = "billing"

    plan_included_bytes: dict[str, int] = Field(
        {"partner": 1 * GB, "bureau": 5 * GB},
        description="Storage included per plan, in bytes (1 GB = 10^9 bytes); JSON object.",
    )
    replica_wait_seconds: float = Field(
        2.0,
        ge=0,
        description="How long a request right after sign-up waits for the firm's "
        "account to be opened (from identity's event) before answering 503.",
    )
    block_bytes: int = Field(10 * GB, gt=0, description="Size of one storage add-on block.")
    block_price_ore: int = Field(7900, ge=0, description="Monthly price of one block, öre ex VAT.")
    credit_packs: dict[str, CreditPack] = Field(
        {
            "10": CreditPack(credits=10, price_ore=39000),
            "50": CreditPack(credits=50, price_ore=175000),
            "100": CreditPack(credits=100, price_ore=300000),
        },
        description="Credit packs on sale by code; JSON object of {credits, price_ore}.",
    )
    free_credits: int = Field(2, ge=0, description="E-signature credits a new account gets.")
    vat_percent: int = Field(25, ge=0, description="VAT shown on statements, in percent.")
    reservation_ttl_seconds: float = Field(
        900.0, gt=0, description="An uncommitted storage reservation lapses after this long."
    )
    expiry_interval_seconds: float = Field(
        5.0, gt=0, description="How often each replica looks for lapsed reservations."
    )
