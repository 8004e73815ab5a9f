"""Settings come from the environment; production refuses development secrets, whether left
unset or set explicitly, guest:guest credentials, and placeholders, in every service."""

import pytest
from pydantic import ValidationError

from services.billing.settings import BillingSettings
from services.documents.settings import DocumentsSettings
from services.identity.settings import IdentitySettings
from services.notify.settings import NotifySettings
from services.signing.settings import SigningSettings
from shared.eid import EidSettings
from shared.settings import SERVICE_PORTS, ServiceSettings, is_secret

EVERY_SERVICE = [BillingSettings, DocumentsSettings, IdentitySettings, NotifySettings,
                 SigningSettings]  # fmt: skip
PLACEHOLDERS = ("REPLACE-ME-s3-secret", "changeme", "Change_Me", "development-only-key")


def secrets_of(cls: type[ServiceSettings]) -> list[str]:
    """Environment names of every secret field, with or without a development default."""
    return [cls.variable(name) for name, field in cls.model_fields.items() if is_secret(field)]


def defaults_of(cls: type[ServiceSettings]) -> dict[str, str]:
    """The secrets that have a development default, with that default."""
    return {
        cls.variable(name): field.default
        for name, field in cls.model_fields.items()
        if is_secret(field) and field.default
    }


def production(monkeypatch, cls: type[ServiceSettings]) -> None:  # type: ignore[no-untyped-def]
    """Real values for everything production requires of `cls`."""
    monkeypatch.setenv("PORTAL_ENVIRONMENT", "production")
    for variable in defaults_of(cls):
        monkeypatch.setenv(variable, f"k7Qz-{variable.lower()}-9fX2")
    monkeypatch.setenv("AMQP_URL", "amqp://portal:k7Qz9fX2@rabbit.internal:5672/")
    monkeypatch.setenv("DATABASE_URL", "postgresql://portal:k7Qz9fX2@db.internal/portal")
    if issubclass(cls, EidSettings):  # the local eID provider vouches for anyone
        monkeypatch.setenv(f"{cls.service.upper()}_EID_PROVIDER", "none")
    if cls is SigningSettings:  # signing's own rule: a real sealing key
        monkeypatch.setenv("SIGNING_SEALING_CERTIFICATE", "/certs/sealing-cert.pem")
        monkeypatch.setenv("SIGNING_SEALING_KEY", "/certs/sealing-key.pem")


def refused(cls: type[ServiceSettings]) -> str:
    with pytest.raises(ValidationError) as error:
        cls()
    return str(error.value)


def test_defaults_work_on_a_developer_machine() -> None:
    settings = DocumentsSettings()
    assert settings.port == 8102
    assert settings.dsn.endswith("/portal_documents")
    assert settings.bucket == "portal-documents"


def test_shared_and_prefixed_variables_are_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/docs")
    monkeypatch.setenv("DOCUMENTS_HTTP_PORT", "9000")
    settings = DocumentsSettings()
    assert (settings.dsn, settings.port) == ("postgresql://db/docs", 9000)


def test_every_service_is_checked() -> None:
    assert sorted(cls.service for cls in EVERY_SERVICE) == sorted(SERVICE_PORTS)


@pytest.mark.parametrize("cls", EVERY_SERVICE, ids=lambda cls: cls.service)
def test_production_starts_with_real_values(monkeypatch, cls) -> None:  # type: ignore[no-untyped-def]
    production(monkeypatch, cls)
    assert cls().environment == "production"


@pytest.mark.parametrize("cls", EVERY_SERVICE, ids=lambda cls: cls.service)
def test_production_refuses_a_development_default_unset_or_set_explicitly(monkeypatch, cls) -> None:  # type: ignore[no-untyped-def]
    assert "AMQP_URL" in defaults_of(cls)
    for variable, default in defaults_of(cls).items():
        production(monkeypatch, cls)
        monkeypatch.setenv(variable, default)
        assert f"{variable} (" in refused(cls)
        assert "still has its development default" in refused(cls)
        monkeypatch.delenv(variable)
        assert f"{variable} (" in refused(cls)


@pytest.mark.parametrize("cls", EVERY_SERVICE, ids=lambda cls: cls.service)
def test_production_refuses_guest_credentials_anywhere(monkeypatch, cls) -> None:  # type: ignore[no-untyped-def]
    production(monkeypatch, cls)
    monkeypatch.setenv("AMQP_URL", "amqp://guest:guest@rabbit.internal:5672/portal")
    assert "AMQP_URL (amqp_url) carries RabbitMQ's development credentials guest:guest" in (
        refused(cls)
    )
    production(monkeypatch, cls)
    monkeypatch.setenv("DATABASE_URL", "postgresql://guest:guest@db.internal/portal")
    assert "DATABASE_URL (database_url) carries" in refused(cls)


@pytest.mark.parametrize("cls", EVERY_SERVICE, ids=lambda cls: cls.service)
def test_production_refuses_placeholders_in_any_setting(monkeypatch, cls) -> None:  # type: ignore[no-untyped-def]
    for variable in [*secrets_of(cls), "DATABASE_URL", "PORTAL_PUBLIC_URL"]:
        for placeholder in PLACEHOLDERS:
            production(monkeypatch, cls)
            monkeypatch.setenv(variable, f"x{placeholder}x")
            assert f"{variable} (" in refused(cls), (variable, placeholder)


def test_a_refusal_names_every_field_at_fault_and_no_value(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    production(monkeypatch, DocumentsSettings)
    monkeypatch.setenv("AMQP_URL", "amqp://guest:guest@rabbit.internal/")
    monkeypatch.setenv("S3_SECRET_KEY", "REPLACE-ME-Zq81vPk")
    monkeypatch.delenv("S3_ACCESS_KEY")
    message = refused(DocumentsSettings)
    for variable in ("AMQP_URL", "S3_SECRET_KEY", "S3_ACCESS_KEY"):
        assert f"{variable} (" in message
    assert "Zq81vPk" not in message
    assert "rabbit.internal" not in message


def test_development_accepts_development_values(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("S3_SECRET_KEY", "REPLACE-ME")
    assert DocumentsSettings().amqp_url.startswith("amqp://guest:guest@")


def test_optional_secret_without_development_value_need_not_be_set(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from services.notify.settings import NotifySettings

    monkeypatch.setenv("PORTAL_ENVIRONMENT", "production")
    monkeypatch.setenv("AMQP_URL", "amqp://svc:pw@rabbit/")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET_KEY", "k7Qz-webhooks-9fX2")
    assert NotifySettings().smtp_password == ""


def test_the_public_s3_address_is_an_origin(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("S3_PUBLIC_URL", "https://files.example.com")
    assert DocumentsSettings().s3_public_url == "https://files.example.com"
    for wrong in ("files.example.com", "ftp://files.example.com", "https://x.example/bucket",
                  "https://key:secret@files.example.com", "https://"):  # fmt: skip
        monkeypatch.setenv("S3_PUBLIC_URL", wrong)
        with pytest.raises(ValidationError, match="S3_PUBLIC_URL"):
            DocumentsSettings()
