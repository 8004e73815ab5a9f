"""The sealing key in a PKCS#11 token (an HSM; SoftHSM2 in tests): the key is made inside the
token with the token's own tooling and never leaves it; the token signs, and the certificate,
issued for the key's public half, comes from the settings like the file key's."""

from asn1crypto import x509 as asn1_x509
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from services.signing.settings import SigningSettings


def token_signer(settings: SigningSettings, chain: list[asn1_x509.Certificate]) -> PKCS11Signer:
    """A signer with a session open on the configured token, logged in as its user; the
    session stays open for the life of the process (`close`)."""
    session = open_pkcs11_session(
        settings.pkcs11_module,
        token_criteria=TokenCriteria(label=settings.pkcs11_token_label),
        user_pin=settings.pkcs11_pin,
    )
    return PKCS11Signer(
        session, key_label=settings.pkcs11_key_label, signing_cert=chain[0], ca_chain=chain[1:],
        use_raw_mechanism=settings.pkcs11_raw_ecdsa,
    )  # fmt: skip


def close(signer: object) -> None:
    if isinstance(signer, PKCS11Signer):
        signer.pkcs11_session.close()
