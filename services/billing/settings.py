"""Settings of the billing service (env prefix `BILLING_`)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_")

    service: ClassVar[str] = "billing"
