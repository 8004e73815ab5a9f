"""Settings come from the environment; production refuses development secrets."""

import pytest
from pydantic import ValidationError

from services.documents.settings import DocumentsSettings


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


def test_production_refuses_development_secrets(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="must be set explicitly in production"):
        DocumentsSettings()
    monkeypatch.setenv("AMQP_URL", "amqp://svc:pw@rabbit/")
    monkeypatch.setenv("S3_ACCESS_KEY", "key")
    monkeypatch.setenv("S3_SECRET_KEY", "secret")
    assert DocumentsSettings().environment == "production"


def test_optional_secret_without_development_value_need_not_be_set(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from services.notify.settings import NotifySettings

    monkeypatch.setenv("PORTAL_ENVIRONMENT", "production")
    monkeypatch.setenv("AMQP_URL", "amqp://svc:pw@rabbit/")
    assert NotifySettings().smtp_password == ""


def test_the_public_s3_address_is_an_origin(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("S3_PUBLIC_URL", "https://files.example.com")
    assert DocumentsSettings().s3_public_url == "https://files.example.com"
    for wrong in ("files.example.com", "ftp://files.example.com", "https://x.example/bucket",
                  "https://key:secret@files.example.com", "https://"):  # fmt: skip
        monkeypatch.setenv("S3_PUBLIC_URL", wrong)
        with pytest.raises(ValidationError, match="S3_PUBLIC_URL"):
            DocumentsSettings()
