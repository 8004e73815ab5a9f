"""Settings of the signing service (env prefix `SIGNING_`)."""

from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from shared.eid import EidSettings
from shared.settings import S3Settings, secret


class SigningSettings(S3Settings, EidSettings):
    """eID comes from the kit's `EidSettings`: `SIGNING_EID_PROVIDER` (`none`, `local`,
    `bankid`) and `SIGNING_EID_BANKID_*`; production refuses `local`."""

    model_config = SettingsConfigDict(env_prefix="SIGNING_")

    service: ClassVar[str] = "signing"

    replica_wait_seconds: float = Field(
        2.0,
        ge=0,
        description="How long a member's request naming a client this service has "
        "no assignment for waits for identity's event (assigned a moment ago) before its 404.",
    )

    sealing_certificate: str = Field(
        "",
        description=(
            "PEM of the sealing certificate (or a path to it), optionally followed by its chain."
            " Empty in development: a self-signed EC P-256 certificate is made at start."
        ),
    )
    sealing_key: str = secret(
        "",
        "PEM of the sealing certificate's private key (or a path to it); required in production.",
    )
    sealing_key_password: str = secret("", "Password of an encrypted sealing key, if any.")
    pkcs11_module: str = Field(
        "",
        description=(
            "Path of a PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so): when set, the"
            " sealing key lives in that token and `sealing_key` is not used."
        ),
    )
    pkcs11_token_label: str = Field("", description="Label of the token holding the key.")
    pkcs11_key_label: str = Field("", description="Label of the sealing key in the token.")
    pkcs11_pin: str = secret("", "User PIN of the token.")
    pkcs11_raw_ecdsa: bool = Field(
        False,
        description=(
            "Hash here and have the token sign the digest (raw ECDSA), for tokens without"
            " combined hash-and-sign mechanisms (SoftHSM2 among them). EC keys only."
        ),
    )
    tsa_urls: list[str] = Field(
        [],
        description=(
            "RFC 3161 timestamp authorities (JSON list of URLs), tried in order for each seal"
            " (PAdES B-T). Empty: seals carry no trusted time. If none answers, the request"
            " stays unsealed, visibly, and the completion job tries again."
        ),
    )
    tsa_timeout_seconds: float = Field(10.0, gt=0, description="Wait for one authority.")
    trust_roots: str = Field(
        "",
        description=(
            "PEM of the root certificates (or a path to them) that the sealing and timestamp"
            " certificates chain to. When set, each seal embeds the chains and their revocation"
            " information (PAdES B-LT), fetched from the CAs at sealing time."
        ),
    )
    link_ttl_days: int = Field(
        30, ge=1, description="Longest life of a party's signing link (never past the expiry)."
    )
    copy_link_ttl_days: int = Field(
        30, ge=1, description="How long the link to the signed copy sent at completion works."
    )
    default_expiry_days: int = Field(30, ge=1, description="Expiry of a request that names none.")
    otp_secret: str = secret(
        "development-only-otp-secret",
        "Keys the digest (HMAC-SHA256) of the one-time codes at rest; changing it voids the "
        "codes in flight.",
    )
    personal_number_key: str = secret(
        "development-only-personal-number-key",
        "Long random text that the key sealing parties' personal numbers at rest (AES-256-GCM) "
        "is derived from; the numbers sealed under it open with it only.",
    )
    otp_ttl_seconds: int = Field(600, ge=30, description="Life of an emailed one-time code.")
    otp_max_attempts: int = Field(5, ge=1, description="Wrong tries before a code is void.")
    otp_resend_seconds: int = Field(30, ge=0, description="Least time between two codes.")
    limit_window_seconds: float = Field(
        3600.0, gt=0, description="The window of the limits on sending codes and starting eID."
    )
    limit_codes_per_address: int = Field(
        30, ge=1, description="Codes one source address may have sent (to any party) per window."
    )
    limit_codes_per_party: int = Field(
        10, ge=1, description="Codes one party may be sent per window."
    )
    limit_eid_per_address: int = Field(
        60, ge=1, description="eID authentications one source address may start per window."
    )
    limit_eid_per_party: int = Field(
        20, ge=1, description="eID authentications one party may start per window."
    )
    session_ttl_seconds: int = Field(
        1800, ge=60, description="How long an authenticated party may take to sign."
    )
    source_url_ttl_seconds: int = Field(
        900, ge=300, description="Life of the presigned URL documents copies the sealed PDF from."
    )
    expiring_soon_days: int = Field(
        3, ge=1, description="Staff's needs-attention list shows requests expiring this soon."
    )
    reminder_job_seconds: float = Field(300.0, gt=0, description="How often reminders are due.")
    manual_reminder_gap_minutes: int = Field(
        60, ge=0, description="A staff member's reminder skips a party reminded this recently."
    )
    expiry_job_seconds: float = Field(60.0, gt=0, description="How often expiry is checked.")
    completion_job_seconds: float = Field(
        30.0, gt=0, description="How often unfinished sealings (e.g. documents was down) retry."
    )
    rpc_attempts: int = Field(
        3,
        ge=1,
        description="Tries of one RPC (same key) when no answer comes or the broker is away.",
    )
    rpc_timeout_seconds: float = Field(10.0, gt=0, description="Wait for one RPC answer.")
    max_pdf_bytes: int = Field(100 * 1024**2, gt=0, description="Largest PDF accepted.")
    verify_max_bytes: int = Field(
        120 * 1024**2, gt=0, description="Largest file the public verify endpoint reads."
    )
    limit_verify_per_address: int = Field(
        60, ge=1, description="Files one source address may have verified per window."
    )
    eid_local_secret: str = Field(
        "local-eid-order-references",
        description=(
            "Local eID provider: key of its sealed order references, the same on every replica."
            " Development and tests only: production refuses the local provider, so this is"
            " never a production secret."
        ),
    )

    @model_validator(mode="after")
    def _token_named(self) -> "SigningSettings":
        if self.pkcs11_module and not (self.pkcs11_token_label and self.pkcs11_key_label):
            raise ValueError("pkcs11_module needs pkcs11_token_label and pkcs11_key_label")
        if self.pkcs11_module and not self.sealing_certificate:
            raise ValueError("pkcs11_module needs sealing_certificate (the key's certificate)")
        return self

    @model_validator(mode="after")
    def _production_seals_for_real(self) -> "SigningSettings":
        if self.environment != "production":
            return self
        if not (self.sealing_certificate and (self.sealing_key or self.pkcs11_module)):
            raise ValueError(
                "sealing_certificate and sealing_key (or pkcs11_module) must be set in production"
            )
        return self
