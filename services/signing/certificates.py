"""The platform's sealing certificate: from configuration, or self-signed in development; its
key in a file or in a PKCS#11 token (`hsm.py`); with the timestamp authorities and the trust
roots that make the seal B-T and B-LT."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from services.signing import hsm
from services.signing.settings import SigningSettings
from services.signing.timestamps import timestamper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sealer:
    """What sealing needs. `timestamper` None: no timestamp (development). `trust_roots` empty:
    no validation data embedded; else the sealing and timestamp certificates must chain to one
    of them, and their chains and revocation information go into the file (B-LT).
    `one_at_a_time`: a token's session signs one request at a time."""

    signer: signers.Signer
    certificate: asn1_x509.Certificate
    timestamper: TimeStamper | None = None
    trust_roots: tuple[asn1_x509.Certificate, ...] = ()
    one_at_a_time: threading.Lock | None = field(default=None, compare=False)

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self.one_at_a_time or nullcontext():
            yield

    @property
    def certificate_pem(self) -> bytes:
        return x509.load_der_x509_certificate(self.certificate.dump()).public_bytes(
            serialization.Encoding.PEM
        )


def _pem(value: str) -> bytes:
    return value.encode() if value.lstrip().startswith("-----BEGIN") else Path(value).read_bytes()


def self_signed(common_name: str = "Client portal sealing (development)") -> tuple[bytes, bytes]:
    """A self-signed EC P-256 certificate for sealing, and its key, both PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def certificates(pem: bytes) -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in x509.load_pem_x509_certificates(pem)
    ]


def file_signer(cert_pem: bytes, key_pem: bytes, password: bytes | None = None) -> signers.Signer:
    chain = certificates(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=password)
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs(chain[1:]),
    )


def make_sealer(cert_pem: bytes, key_pem: bytes, password: bytes | None = None) -> Sealer:
    signer = file_signer(cert_pem, key_pem, password)
    assert signer.signing_cert is not None
    return Sealer(signer=signer, certificate=signer.signing_cert)


def _signer(settings: SigningSettings) -> tuple[signers.Signer, threading.Lock | None]:
    if settings.pkcs11_module:
        chain = certificates(_pem(settings.sealing_certificate))
        return hsm.token_signer(settings, chain), threading.Lock()
    if settings.sealing_certificate and settings.sealing_key:
        password = settings.sealing_key_password.encode() or None
        cert, key = _pem(settings.sealing_certificate), _pem(settings.sealing_key)
        return file_signer(cert, key, password), None
    log.warning("no sealing certificate configured: sealing with a self-signed development one")
    return file_signer(*self_signed()), None


def load_sealer(settings: SigningSettings) -> Sealer:
    signer, lock = _signer(settings)
    assert signer.signing_cert is not None
    stamps = timestamper(settings.tsa_urls, settings.tsa_timeout_seconds)
    if stamps is None:
        log.warning("no timestamp authority configured: seals carry no trusted time (B-B)")
    roots = tuple(certificates(_pem(settings.trust_roots))) if settings.trust_roots else ()
    return Sealer(signer, signer.signing_cert, stamps, roots, lock)


def write_self_signed(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed sealing pair into `folder` unless one is there already: for a local
    compose stack, which runs in production mode and so never makes one at start."""
    cert_path, key_path = folder / "sealing-cert.pem", folder / "sealing-key.pem"
    if not (cert_path.exists() and key_path.exists()):
        cert_pem, key_pem = self_signed("Client portal sealing (compose)")
        folder.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(cert_pem)
    return cert_path, key_path


if __name__ == "__main__":
    import sys

    for written in write_self_signed(Path(sys.argv[1])):
        print(written)
