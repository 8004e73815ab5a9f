"""Settings every service extends: environment variables only, defaults for a developer machine."""

import re
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {
    "identity": 8101,
    "documents": 8102,
    "signing": 8103,
    "notify": 8104,
    "billing": 8105,
}


def shared(name: str) -> AliasChoices:
    """An unprefixed variable name, shared by every service (database, bus, S3, tokens)."""
    return AliasChoices(name)


def secret(default: str, description: str, env: str | None = None) -> Any:
    """A secret field. A non-empty default serves development only and production refuses
    it, even set explicitly; an empty default means "unused unless set" (an optional
    password)."""
    alias = shared(env) if env else None
    return Field(
        default,
        description=description,
        validation_alias=alias,
        json_schema_extra={"secret": True},
    )


# What a value written to be replaced looks like (deploy/k8s/secret.yaml says REPLACE-ME).
PLACEHOLDER = re.compile(r"replace[-_ ]?me|change[-_ ]?me|development[-_ ]?only", re.IGNORECASE)


def is_secret(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("secret"))


def development_value(field: FieldInfo, value: object) -> str | None:
    """Why production must not run with `value` in `field`, or None. The reason never repeats
    the value: it is a secret, and the refusal ends up in a log."""
    if not isinstance(value, str):
        return None
    if is_secret(field) and field.default and value == field.default:
        return "still has its development default"
    if _has_guest_credentials(value):
        return "carries RabbitMQ's development credentials guest:guest"
    if match := PLACEHOLDER.search(value):
        return f"holds the placeholder {match.group(0)!r}"
    return None


def _has_guest_credentials(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:  # not a URL at all
        return False
    credentials = (unquote(parts.username or ""), unquote(parts.password or ""))
    return credentials == ("guest", "guest")


class ServiceSettings(BaseSettings):
    """What every service reads; each service subclasses it with its own env prefix."""

    # Inputs stay out of validation errors: they hold secrets, and a refusal is logged.
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )

    service: ClassVar[str]

    environment: Literal["development", "production"] = Field(
        "development",
        validation_alias=shared("PORTAL_ENVIRONMENT"),
        description="`production` refuses to start with development secrets.",
    )
    http_host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    http_port: int = Field(0, description="HTTP port; 0 picks the service's default port.")
    database_url: str = Field(
        "",
        validation_alias=shared("DATABASE_URL"),
        description="PostgreSQL DSN of this service's own database; empty = local default.",
    )
    migrate_at_start: bool = Field(
        True,
        validation_alias=shared("MIGRATE_AT_START"),
        description=(
            "Apply pending migrations at start. `false`: another process applies them "
            "(`python -m services.<name> migrate`, the Kubernetes Job) and the service waits "
            "up to `migration_wait_seconds` for them, never serving an older schema."
        ),
    )
    migration_wait_seconds: float = Field(
        60.0, gt=0, description="With MIGRATE_AT_START=false, longest wait for the migrations."
    )
    database_pool_min: int = Field(2, ge=1, description="Connections kept open in the pool.")
    database_pool_max: int = Field(10, ge=1, description="Most connections the pool opens.")
    amqp_url: str = secret(
        "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ URL, credentials included.", "AMQP_URL"
    )
    bus_namespace: str = Field(
        "",
        validation_alias=shared("BUS_NAMESPACE"),
        description="Prefix of every exchange and queue name; tests isolate runs with it.",
    )
    bus_prefetch: int = Field(64, ge=1, description="Unacknowledged messages per consumer.")
    bus_delivery_limit: int = Field(
        20,
        ge=1,
        validation_alias=shared("BUS_DELIVERY_LIMIT"),
        description="Deliveries of one message before it is dead-lettered to its DLQ.",
    )
    bus_retry_base_seconds: float = Field(
        0.5, description="First delay before a failed message is handed back to the queue."
    )
    bus_retry_max_seconds: float = Field(
        15.0, description="Longest delay between redeliveries (covers a minute of DB outage)."
    )
    publish_timeout_seconds: float = Field(5.0, description="Wait for a publisher confirm.")
    archive_max_age: str = Field(
        "30D",
        pattern=r"^[1-9][0-9]*(Y|M|D|h|m|s)$",
        validation_alias=shared("ARCHIVE_MAX_AGE"),
        description=(
            "How long the events archive (the `portal.events.archive` stream) keeps an event: "
            "RabbitMQ's `x-max-age`, a number and one of Y M D h m s."
        ),
    )
    archive_max_bytes: int = Field(
        20 * 10**9,
        gt=0,
        validation_alias=shared("ARCHIVE_MAX_LENGTH_BYTES"),
        description="Most bytes the events archive keeps (`x-max-length-bytes`), oldest go first.",
    )
    jwks_url: str = Field(
        "http://127.0.0.1:8101/api/v1/auth/jwks.json",
        validation_alias=shared("JWKS_URL"),
        description="Identity's key set, used to verify access tokens.",
    )
    token_issuer: str = Field(
        "portal-identity", validation_alias=shared("TOKEN_ISSUER"), description="JWT `iss`."
    )
    token_audience: str = Field(
        "portal", validation_alias=shared("TOKEN_AUDIENCE"), description="JWT `aud`."
    )
    access_token_max_seconds: int = Field(
        900,
        ge=60,
        validation_alias=shared("ACCESS_TOKEN_MAX_SECONDS"),
        description=(
            "Longest access-token lifetime identity issues: a token claiming a longer one is "
            "refused, and revocations are remembered this long (plus a minute for clocks)."
        ),
    )
    revocation_outage_grace_seconds: float = Field(
        30.0,
        ge=0,
        validation_alias=shared("REVOCATION_OUTAGE_GRACE_SECONDS"),
        description=(
            "How long a replica that lost the broker keeps judging tokens by the revocations it "
            "knows (identity cannot publish one meanwhile either); past it, 503 until caught up."
        ),
    )
    trusted_proxies: list[str] = Field(
        ["127.0.0.1/32", "::1/128"],
        validation_alias=shared("TRUSTED_PROXIES"),
        description=(
            "Networks (CIDR, JSON list) of the gateway: only a request from these carries a "
            "believed X-Real-IP, the caller's address for rate limits and audit."
        ),
    )
    public_url: str = Field(
        "http://127.0.0.1:8080",
        validation_alias=shared("PORTAL_PUBLIC_URL"),
        description="Where people reach the platform (the gateway); used in links.",
    )
    otel_exporter: Literal["none", "console", "otlp"] = Field(
        "none",
        validation_alias=shared("OTEL_EXPORTER"),
        description="Trace exporter; `otlp` reads the standard OTEL_EXPORTER_OTLP_* variables.",
    )
    trace_sample_ratio: float = Field(
        1.0, ge=0, le=1, validation_alias=shared("TRACE_SAMPLE_RATIO"), description="Sampled share."
    )
    log_level: str = Field("INFO", validation_alias=shared("LOG_LEVEL"), description="Log level.")
    shutdown_timeout_seconds: float = Field(
        10.0, description="Time in-flight requests and messages get to finish on SIGTERM."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _are_networks(cls, cidrs: list[str]) -> list[str]:
        for cidr in cidrs:
            ip_network(cidr, strict=False)
        return cidrs

    @property
    def proxies(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(cidr, strict=False) for cidr in self.trusted_proxies]

    @property
    def port(self) -> int:
        return self.http_port or SERVICE_PORTS[self.service]

    @property
    def dsn(self) -> str:
        return self.database_url or f"postgresql://postgres@127.0.0.1:5432/portal_{self.service}"

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable the field `name` is read from."""
        alias = cls.model_fields[name].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return f"{cls.model_config.get('env_prefix', '')}{name}".upper()

    @model_validator(mode="after")
    def _production_has_real_secrets(self) -> "ServiceSettings":
        """Production refuses a development value even when it was set explicitly (copied from
        an example), naming every field at fault at once."""
        if self.environment != "production":
            return self
        refused = [
            f"{self.variable(name)} ({name}) {why}"
            for name, field in type(self).model_fields.items()
            if (why := development_value(field, getattr(self, name)))
        ]
        if refused:
            raise ValueError(f"production needs real values: {'; '.join(refused)}")
        return self


class S3Settings(ServiceSettings):
    """Settings of a service that keeps bytes in S3 (MinIO in compose, SeaweedFS locally)."""

    s3_endpoint: str = Field(
        "127.0.0.1:8333", validation_alias=shared("S3_ENDPOINT"), description="host:port of S3."
    )
    s3_access_key: str = secret("portal-dev", "S3 access key.", "S3_ACCESS_KEY")
    s3_secret_key: str = secret("portal-dev-secret", "S3 secret key.", "S3_SECRET_KEY")
    s3_secure: bool = Field(False, validation_alias=shared("S3_SECURE"), description="Use TLS.")
    s3_region: str = Field("us-east-1", validation_alias=shared("S3_REGION"), description="Region.")
    s3_bucket: str = Field("", description="Bucket of this service; empty = `portal-<service>`.")
    s3_public_url: str = Field(
        "",
        validation_alias=shared("S3_PUBLIC_URL"),
        description=(
            "Where browsers reach the same S3 (`scheme://host[:port]`), for the presigned links "
            "of download redirects; empty = S3_ENDPOINT, when browsers can reach that."
        ),
    )

    @field_validator("s3_public_url")
    @classmethod
    def _is_an_origin(cls, url: str) -> str:
        parts = urlsplit(url)
        if url and (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.username
        ):
            raise ValueError("must be http(s)://host[:port], with no path, query or credentials")
        return url

    @property
    def bucket(self) -> str:
        return self.s3_bucket or f"portal-{self.service}"
