"""The eID settings every service that uses eID shares, under its own env prefix
(`IDENTITY_EID_PROVIDER`, `SIGNING_EID_PROVIDER`, …), and the provider they choose."""

from typing import Literal

from pydantic import Field, model_validator

from shared.eid.bankid import BankIdProvider
from shared.eid.local import LocalEidProvider
from shared.eid.provider import EidProvider
from shared.settings import ServiceSettings


class EidSettings(ServiceSettings):
    """Mix into a service's settings: `class SigningSettings(S3Settings, EidSettings)`."""

    eid_provider: Literal["none", "local", "bankid"] = Field(
        "local",
        description=(
            "eID provider: `bankid` (BankID relying-party API v6), `local` (confirms every order"
            " by itself: development and tests only, refused in production), `none` (eID off)."
        ),
    )
    eid_bankid_url: str = Field(
        "",
        description=(
            "BankID API base URL, https: `https://appapi2.bankid.com/rp/v6.0` (production) or "
            "`https://appapi2.test.bankid.com/rp/v6.0` (BankID's test environment)."
        ),
    )
    eid_bankid_certificate: str = Field(
        "", description="Path of the relying party's client certificate (PEM) for BankID."
    )
    eid_bankid_key: str = Field(
        "", description="Path of that certificate's private key (PEM, unencrypted)."
    )
    eid_bankid_ca: str = Field(
        "", description="Path of the CA (PEM) BankID's server certificate must chain to."
    )
    eid_bankid_timeout_seconds: float = Field(
        10.0, gt=0, description="Longest wait for one BankID call before eID counts as down."
    )
    eid_confirm_seconds: float = Field(
        2.0, ge=0, description="Local provider: seconds until an order confirms by itself."
    )

    @model_validator(mode="after")
    def _eid_is_real_where_it_counts(self) -> "EidSettings":
        if self.eid_provider == "local" and self.environment == "production":
            raise ValueError("eid_provider `local` vouches for anyone: not in production")
        if self.eid_provider == "bankid":
            paths = (self.eid_bankid_certificate, self.eid_bankid_key, self.eid_bankid_ca)
            if not all(paths) or not self.eid_bankid_url.startswith("https://"):
                raise ValueError(
                    "eid_provider `bankid` needs eid_bankid_url (https), eid_bankid_certificate,"
                    " eid_bankid_key and eid_bankid_ca"
                )
        return self


def make_eid_provider(settings: EidSettings, secret: str) -> EidProvider | None:
    """The configured provider, or None when eID is off. `secret` keys the local provider's
    order references: every replica of the service must pass the same one."""
    if settings.eid_provider == "local":
        return LocalEidProvider(secret, confirm_after=settings.eid_confirm_seconds)
    if settings.eid_provider == "bankid":
        return BankIdProvider(
            settings.eid_bankid_url,
            certificate=settings.eid_bankid_certificate,
            key=settings.eid_bankid_key,
            ca=settings.eid_bankid_ca,
            timeout=settings.eid_bankid_timeout_seconds,
        )
    return None
