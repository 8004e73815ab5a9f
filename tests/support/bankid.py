"""A stand-in for BankID's relying-party API v6 servers (no BankID test environment is reachable
from here): HTTPS on 127.0.0.1 that demands a client certificate from the test CA, with
`/auth`, `/collect` and `/cancel` answering as BankID documents them. It keeps its orders in
memory, as BankID's servers keep theirs; tests play the person's app with `user_signs`,
`complete` and `fail`.

The certificates are made at start with `cryptography`: a CA that issues the server's
certificate (IP SAN 127.0.0.1) and the relying party's client certificate, and another CA that
issued neither, for the refusals."""

import asyncio
import datetime
import ipaddress
import re
import ssl
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PREFIX = "/rp/v6.0"
TWELVE_DIGITS = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Pem:
    certificate: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca: Path
    server: Pem
    client: Pem
    other_ca: Path
    stranger: Pem  # a client certificate from the other CA


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _authority("Test BankID Root CA")
    other, other_key = _authority("Some Other Root CA")
    server = _issue(ca, ca_key, "127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH)
    client = _issue(ca, ca_key, "Test Relying Party", ExtendedKeyUsageOID.CLIENT_AUTH)
    stranger = _issue(other, other_key, "Stranger", ExtendedKeyUsageOID.CLIENT_AUTH)
    return Pki(
        ca=_write_certificate(directory / "ca.pem", ca),
        server=_write(directory, "server", *server),
        client=_write(directory, "client", *client),
        other_ca=_write_certificate(directory / "other-ca.pem", other),
        stranger=_write(directory, "stranger", *stranger),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> Any:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )


def _authority(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    certificate = (
        _builder(common_name, _name(common_name), key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _issue(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    purpose: x509.ObjectIdentifier,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        _builder(common_name, ca.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if purpose == ExtendedKeyUsageOID.SERVER_AUTH:
        address = x509.IPAddress(ipaddress.ip_address(common_name))
        builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _write_certificate(path: Path, certificate: x509.Certificate) -> Path:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path


def _write(
    directory: Path, stem: str, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> Pem:
    key_path = directory / f"{stem}-key.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Pem(_write_certificate(directory / f"{stem}.pem", certificate), key_path)


@dataclass
class Order:
    end_user_ip: str
    personal_number: str | None  # the order's requirement.personalNumber
    status: str = "pending"
    hint_code: str | None = "outstandingTransaction"
    user: dict[str, str] | None = None


class BankIdServer:
    def __init__(self, pki: Pki) -> None:
        self.pki = pki
        self.orders: dict[str, Order] = {}
        self.fault: int | None = None  # answer every call with this 5xx status
        self.delay = 0.0  # seconds before answering
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{PREFIX}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(f"{PREFIX}/auth", self._auth)
        app.router.add_post(f"{PREFIX}/collect", self._collect)
        app.router.add_post(f"{PREFIX}/cancel", self._cancel)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._tls())
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def client_settings(self) -> dict[str, str]:
        """`EidSettings` fields of a relying party of this server."""
        return {
            "eid_provider": "bankid", "eid_bankid_url": self.url,
            "eid_bankid_certificate": str(self.pki.client.certificate),
            "eid_bankid_key": str(self.pki.client.key), "eid_bankid_ca": str(self.pki.ca),
        }  # fmt: skip

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=self.pki.ca)
        context.load_cert_chain(self.pki.server.certificate, self.pki.server.key)
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    # --- the person's app -----------------------------------------------------------------

    def user_signs(self, order_ref: str) -> None:
        """The app has the order open and waits for the security code."""
        self.orders[order_ref].hint_code = "userSign"

    def complete(
        self, order_ref: str, personal_number: str | None = None, name: str = "Test Person"
    ) -> None:
        """Identified: as the order's required person, unless a test names someone else."""
        order = self.orders[order_ref]
        number = personal_number or order.personal_number or "190000000000"
        given, _, surname = name.partition(" ")
        order.status, order.hint_code = "complete", None
        order.user = {"personalNumber": number, "name": name, "givenName": given,
                      "surname": surname}  # fmt: skip

    def fail(self, order_ref: str, hint_code: str = "userCancel") -> None:
        order = self.orders[order_ref]
        order.status, order.hint_code = "failed", hint_code

    # --- the API ----------------------------------------------------------------------------

    async def _auth(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        number = (body.get("requirement") or {}).get("personalNumber")
        if not _is_address(body.get("endUserIp")) or (
            number is not None and not TWELVE_DIGITS.fullmatch(str(number))
        ):
            return _error(400, "invalidParameters", "Invalid endUserIp or personalNumber")
        if number and any(
            o.personal_number == number and o.status == "pending" for o in self.orders.values()
        ):
            return _error(400, "alreadyInProgress", "Order already in progress for pno")
        order_ref = str(uuid.uuid4())
        self.orders[order_ref] = Order(body["endUserIp"], number)
        return web.json_response({
            "orderRef": order_ref, "autoStartToken": str(uuid.uuid4()),
            "qrStartToken": str(uuid.uuid4()), "qrStartSecret": str(uuid.uuid4()),
        })  # fmt: skip

    async def _collect(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        order_ref = str(body.get("orderRef"))
        order = self.orders.get(order_ref)
        if order is None:
            return _error(400, "invalidParameters", "No such order")
        answer: dict[str, Any] = {"orderRef": order_ref, "status": order.status}
        if order.hint_code:
            answer["hintCode"] = order.hint_code
        if order.status != "pending":
            # Collected once when finished: BankID answers invalidParameters from then on.
            del self.orders[order_ref]
        if order.user:
            answer["completionData"] = {
                "user": order.user, "device": {"ipAddress": order.end_user_ip},
                "bankIdIssueDate": datetime.date.today().isoformat(),
            }  # fmt: skip
        return web.json_response(answer)

    async def _cancel(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        order = self.orders.get(str(body.get("orderRef")))
        if order is None or order.status != "pending":
            return _error(400, "invalidParameters", "No such order")
        del self.orders[str(body["orderRef"])]
        return web.json_response({})

    async def _body(self, request: web.Request) -> dict[str, Any] | web.Response:
        """The request's JSON object, or the answer a fault, a bad type or bad JSON gets."""
        await asyncio.sleep(self.delay)
        if self.fault is not None:
            return _error(self.fault, "maintenance", "Down for maintenance")
        if request.content_type != "application/json":
            return _error(415, "unsupportedMediaType", "Use application/json")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "invalidParameters", "Body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "invalidParameters", "Body is not a JSON object")
        return body


def _is_address(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def _error(status: int, code: str, details: str) -> web.Response:
    return web.json_response({"errorCode": code, "details": details}, status=status)
