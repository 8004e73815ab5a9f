"""Settings of the notify service (env prefix `NOTIFY_`)."""

from typing import ClassVar

from pydantic import Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings, secret


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_")

    service: ClassVar[str] = "notify"

    smtp_host: str = Field("127.0.0.1", description="SMTP server that relays our mail.")
    smtp_port: int = Field(1025, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_username: str = Field("", description="SMTP login; empty = no authentication.")
    smtp_password: str = secret("", "SMTP password, used only with `smtp_username`.")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one SMTP exchange.")
    smtp_pool_size: int = Field(
        10, ge=1, description="Persistent SMTP connections each replica keeps open at most."
    )
    sender: str = Field(
        "Client portal <no-reply@portal.localhost>", description="`From` of every email."
    )
    product_name: str = Field(
        "Client portal", description="Shown where no firm is known (e.g. a sign-in link)."
    )
    max_attempts: int = Field(
        12, ge=1, description="SMTP attempts of one email before it is recorded as failed."
    )
    retry_base_seconds: float = Field(
        2.0, gt=0, description="Wait before the first retry after a temporary SMTP failure."
    )
    retry_max_seconds: float = Field(
        600.0, gt=0, description="Longest wait between retries (doubles from the base)."
    )
    delivery_batch: int = Field(
        50, ge=1, description="Emails one worker claims per round (sent concurrently)."
    )
    delivery_poll_seconds: float = Field(
        1.0, gt=0, description="Worker poll interval; new mail also wakes it at once."
    )
    lease_seconds: float = Field(
        120.0, gt=0, description="A claimed email another replica may take over after this."
    )
    digest_hour: int = Field(
        7, ge=0, le=23, description="Local hour (in the user's time zone) daily digests go out."
    )
    default_time_zone: str = Field(
        "Europe/Stockholm", description="Time zone of users who have not chosen one."
    )
    digest_check_seconds: float = Field(
        60.0, gt=0, description="How often each replica looks for digests that are due."
    )
    digest_max_entries: int = Field(
        50, ge=1, description="Entries a digest lists by title; the rest it only counts."
    )
    webhook_secret_key: str = secret(
        "development-only-webhook-secret-key",
        "Long random text that the key sealing webhook endpoints' signing secrets at rest "
        "(AES-256-GCM) is derived from; secrets sealed under it open with it only.",
    )
    webhook_retry_schedule_seconds: list[float] = Field(
        [5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000, 36000],
        min_length=1,
        description="Waits before each retry of a webhook delivery (±10 % jitter); the default "
        "keeps trying for about three days.",
    )
    webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="Longest a webhook POST may take, connecting included."
    )
    webhook_allowed_test_hosts: list[str] = Field(
        [],
        description="Host names (JSON list) webhooks may reach whatever they resolve to, and "
        "over plain HTTP: for tests with a local receiver. Production refuses any.",
    )
    webhook_dns_servers: list[str] = Field(
        [],
        description="DNS servers (`address[:port]`, JSON list) webhook hosts are resolved "
        "with; empty = the system's resolver.",
    )
    webhook_connections: int = Field(
        100, ge=1, description="Open connections to webhook receivers per replica, at most."
    )
    webhook_connections_per_host: int = Field(
        10, ge=1, description="Open connections to one webhook receiver per replica, at most."
    )
    webhook_batch: int = Field(
        100, ge=1, description="Webhook deliveries one worker claims per round (sent at once)."
    )
    webhook_poll_seconds: float = Field(
        1.0, gt=0, description="Webhook worker poll interval; new deliveries wake it at once."
    )
    webhook_lease_seconds: float = Field(
        60.0, gt=0, description="A claimed webhook delivery another replica may retry after this."
    )
    webhook_log_days: int = Field(
        30, ge=1, description="Days a settled webhook delivery stays in the delivery log."
    )

    @field_validator("webhook_allowed_test_hosts")
    @classmethod
    def _lower_case(cls, hosts: list[str]) -> list[str]:
        return [host.lower() for host in hosts]

    @model_validator(mode="after")
    def _no_test_hosts_in_production(self) -> "NotifySettings":
        if self.environment == "production" and self.webhook_allowed_test_hosts:
            raise ValueError("production refuses NOTIFY_WEBHOOK_ALLOWED_TEST_HOSTS")
        return self
