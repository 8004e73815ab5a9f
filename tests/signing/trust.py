"""A local test PKI over real HTTP: a root CA that issues the sealing certificate and a
timestamp authority's, publishes its CRL at `/crl`, and an RFC 3161 timestamp authority at
`/tsa` (requests parsed and answered per the protocol; the token is signed by pyHanko's
`DummyTimeStamper`, which acts as its own TSA). The server runs in a thread of its own, so the
synchronous code under test, the bench and async tests all reach it the same way.

`TestPki.key_for(public_key)` issues a certificate for a key made elsewhere (e.g. inside a
SoftHSM token), as a real CA signs a request without ever seeing the private key."""

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

PEM = serialization.Encoding.PEM
_USAGES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
           "key_agreement", "key_cert_sign", "crl_sign", "encipher_only",
           "decipher_only")  # fmt: skip


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _key_info(key: PrivateKeyTypes) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


class TestPki:
    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._build(_name("Portal test root CA"), self.root_key.public_key(), ca=True)
        self.revoked: list[int] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        tsa_key = rsa.generate_private_key(65537, 2048)  # pyHanko's TSA signs with RSA only
        self.tsa_certificate = self.issue("Portal test TSA", tsa_key.public_key(), timestamps=True)
        self.tsa = DummyTimeStamper(_asn1(self.tsa_certificate), _key_info(tsa_key))
        self.tsa_requests = 0
        self.crl_requests = 0
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "TestPki":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for a serve loop that never ran
            self.server.shutdown()
        self.server.server_close()

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/tsa"

    @property
    def root_pem(self) -> str:
        return self.root.public_bytes(PEM).decode()

    def _build(
        self, subject: x509.Name, public_key: Any, *, ca: bool = False, timestamps: bool = False
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(_name("Portal test root CA"))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        usage = dict.fromkeys(_USAGES, False)
        usage.update(key_cert_sign=ca, crl_sign=ca, digital_signature=not ca,
                     content_commitment=not ca and not timestamps)  # fmt: skip
        builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
        if not ca:
            point = x509.DistributionPoint([x509.UniformResourceIdentifier(f"{self.url}/crl")],
                                           None, None, None)  # fmt: skip
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()),
                critical=False,
            )
        if timestamps:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        return builder.sign(self.root_key, hashes.SHA256())

    def issue(
        self, common_name: str, public_key: Any, *, timestamps: bool = False
    ) -> x509.Certificate:
        return self._build(_name(common_name), public_key, timestamps=timestamps)

    def sealing_pair(self) -> tuple[bytes, bytes]:
        """A sealing certificate (with its chain) and its key, PEM, as the settings take them."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issue("Portal test sealing", key.public_key())
        key_pem = key.private_bytes(PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())  # fmt: skip
        return cert.public_bytes(PEM) + self.root.public_bytes(PEM), key_pem

    def crl(self) -> bytes:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.root.subject)
            .last_update(now - timedelta(minutes=1))
            .next_update(now + timedelta(days=1))
        )
        for serial in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
            )
        return builder.sign(self.root_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _handler(pki: TestPki) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests' output stays readable."""

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != "/crl":
                return self._answer(404, "text/plain", b"not found")
            pki.crl_requests += 1
            return self._answer(200, "application/pkix-crl", pki.crl())

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            kind = self.headers.get("Content-Type")
            if self.path != "/tsa" or kind != "application/timestamp-query":
                return self._answer(400, "text/plain", b"an RFC 3161 request is expected")
            pki.tsa_requests += 1
            answer = pki.tsa.request_tsa_response(tsp.TimeStampReq.load(body))
            return self._answer(200, "application/timestamp-reply", answer.dump())

    return Handler
