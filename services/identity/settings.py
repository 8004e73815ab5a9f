"""Settings of the identity service (env prefix `IDENTITY_`)."""

import os
from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.eid import EidSettings
from shared.settings import S3Settings, secret


class IdentitySettings(S3Settings, EidSettings):
    """S3 holds the firms' logos (bucket `portal-identity`)."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_")

    service: ClassVar[str] = "identity"

    key_secret: str = secret(
        "development-only-key-secret", "Encrypts the private signing keys at rest."
    )
    access_token_seconds: int = Field(900, ge=60, description="Lifetime of an access token.")
    refresh_token_days: int = Field(30, ge=1, description="Lifetime of a refresh token.")
    key_rotation_days: int = Field(30, ge=1, description="Age at which a new signing key starts.")
    invitation_days: int = Field(7, ge=1, description="How long an invitation link works.")
    magic_link_minutes: int = Field(15, ge=1, description="How long a sign-in link works.")
    sign_up_link_minutes: int = Field(
        60, ge=1, description="How long a firm sign-up's confirmation link works."
    )
    reset_link_minutes: int = Field(30, ge=1, description="How long a password-reset link works.")
    failure_window_seconds: int = Field(
        900, ge=1, description="Window in which failed sign-ins are counted."
    )
    failures_per_account: int = Field(
        5,
        ge=1,
        description="Failed sign-ins for one email from one address in the window before that "
        "address is refused for that email.",
    )
    failures_before_slowdown: int = Field(
        10,
        ge=1,
        description="Failed sign-ins for one email from all addresses in the window before "
        "each further attempt on it is slowed down (never refused for everyone).",
    )
    session_days: int = Field(
        30, ge=1, description="Absolute lifetime of a session, however often it is refreshed."
    )
    failures_per_source: int = Field(
        50, ge=1, description="Failed sign-ins from one address in the window before refusing."
    )
    mail_per_address: int = Field(
        30, ge=1, description="Public requests that send mail, per caller address per hour."
    )
    mail_per_target: int = Field(
        5, ge=1, description="Public requests that send mail, per email address per hour."
    )
    hashing_per_address: int = Field(
        60,
        ge=1,
        description="Public requests that hash a new password, per caller address per hour.",
    )
    eid_per_address: int = Field(
        30, ge=1, description="eID sign-ins started, per caller address per hour."
    )
    eid_per_number: int = Field(
        10, ge=1, description="eID sign-ins started, per personal number per hour."
    )
    argon2_time_cost: int = Field(2, ge=1, description="argon2id iterations.")
    argon2_memory_kib: int = Field(19456, ge=8, description="argon2id memory (OWASP minimum).")
    argon2_parallelism: int = Field(1, ge=1, description="argon2id lanes.")
    hashing_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="argon2id hashes a replica runs at once (default: its CPUs); the rest "
        "wait their turn, so a flood of sign-ins cannot take every core from other requests.",
    )
    key_check_seconds: float = Field(
        60.0, gt=0, description="How often keys are reloaded and rotated when due."
    )
    invitation_job_seconds: float = Field(
        10.0, gt=0, description="How often due scheduled invitations are sent."
    )
    logo_cache_seconds: int = Field(
        86400,
        ge=0,
        description="How long browsers and mail clients may cache a firm's logo (its URL "
        "names the version, so a new logo is a new URL).",
    )

    @model_validator(mode="after")
    def _tokens_within_what_verifiers_allow(self) -> "IdentitySettings":
        """Every verifier refuses a token that lives longer than ACCESS_TOKEN_MAX_SECONDS, and
        remembers revocations only that long."""
        if self.access_token_seconds > self.access_token_max_seconds:
            raise ValueError("access_token_seconds exceeds ACCESS_TOKEN_MAX_SECONDS")
        return self
