"""Signing's settings: production seals for real and never runs the local eID provider."""

import pytest
from pydantic import ValidationError

from services.signing.settings import SigningSettings

PRODUCTION = {
    "PORTAL_ENVIRONMENT": "production",
    "AMQP_URL": "amqp://svc:pw@rabbit/",
    "S3_ACCESS_KEY": "key",
    "S3_SECRET_KEY": "secret",
    "SIGNING_SEALING_CERTIFICATE": "/certs/sealing-cert.pem",
    "SIGNING_SEALING_KEY": "/certs/sealing-key.pem",
    "SIGNING_OTP_SECRET": "k7Qz-otp-9fX2",
    "SIGNING_PERSONAL_NUMBER_KEY": "k7Qz-numbers-9fX2",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_refuses_the_local_eid_provider_by_default_and_by_name(
    production: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError, match="not in production"):
        SigningSettings()
    production.setenv("SIGNING_EID_PROVIDER", "local")
    with pytest.raises(ValidationError, match="not in production"):
        SigningSettings()
    production.setenv("SIGNING_EID_PROVIDER", "test")  # the old name is no value at all
    with pytest.raises(ValidationError, match="eid_provider"):
        SigningSettings()
    production.setenv("SIGNING_EID_PROVIDER", "none")
    assert SigningSettings().eid_provider == "none"


def test_production_takes_bankid_with_its_files(production: pytest.MonkeyPatch) -> None:
    production.setenv("SIGNING_EID_PROVIDER", "bankid")
    with pytest.raises(ValidationError, match="eid_bankid_certificate"):
        SigningSettings()
    for name, value in {
        "URL": "https://appapi2.bankid.com/rp/v6.0", "CERTIFICATE": "/eid/rp.pem",
        "KEY": "/eid/rp-key.pem", "CA": "/eid/bankid-ca.pem",
    }.items():  # fmt: skip
        production.setenv(f"SIGNING_EID_BANKID_{name}", value)
    settings = SigningSettings()
    assert (settings.eid_provider, settings.eid_bankid_ca) == ("bankid", "/eid/bankid-ca.pem")


def test_production_takes_a_key_in_a_token_instead_of_a_file(
    production: pytest.MonkeyPatch,
) -> None:
    production.setenv("SIGNING_EID_PROVIDER", "none")
    production.delenv("SIGNING_SEALING_KEY")
    with pytest.raises(ValidationError, match="pkcs11_module"):
        SigningSettings()
    production.setenv("SIGNING_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
    with pytest.raises(ValidationError, match="pkcs11_token_label"):
        SigningSettings()
    production.setenv("SIGNING_PKCS11_TOKEN_LABEL", "seal")
    production.setenv("SIGNING_PKCS11_KEY_LABEL", "seal-2026")
    production.setenv("SIGNING_TSA_URLS", '["http://tsa.example/a", "http://tsa.example/b"]')
    settings = SigningSettings()
    assert settings.tsa_urls == ["http://tsa.example/a", "http://tsa.example/b"]
