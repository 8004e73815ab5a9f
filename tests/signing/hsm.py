"""A SoftHSM2 token for the tests (Debian's `softhsm2`, installed by scripts/bootstrap): made in a
temporary folder with `softhsm2-util`, the sealing key generated inside it (non-extractable,
sensitive), and a certificate for the key's public half issued by the test CA.

The PKCS#11 module reads its configuration once per process, at its first initialisation, so
one token serves the whole test run (`SOFTHSM2_CONF` is set before the module is loaded); each
test makes its own key in it under a label of its own."""

import os
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from tests.signing.trust import PEM, TestPki

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN, PIN, SO_PIN = "portal-seal", "123456", "12345678"


@dataclass(frozen=True)
class Token:
    module: str = MODULE
    label: str = TOKEN
    pin: str = PIN

    def session(self) -> pkcs11.Session:
        return (
            pkcs11.lib(self.module)
            .get_token(token_label=self.label)
            .open(rw=True, user_pin=self.pin)
        )

    def new_key(self, pki: TestPki) -> tuple[str, bytes]:
        """(key label, certificate PEM with chain): the key pair made inside the token."""
        label = f"seal-{uuid.uuid4().hex[:8]}"
        with self.session() as session:
            params = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )  # fmt: skip
            public, _ = params.generate_keypair(
                store=True, label=label,
                private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
            )  # fmt: skip
            public_key = serialization.load_der_public_key(encode_ec_public_key(public))
        cert = pki.issue("Portal test sealing (token)", public_key)
        return label, cert.public_bytes(PEM) + pki.root.public_bytes(PEM)

    def private_key(self, session: pkcs11.Session, label: str) -> pkcs11.PrivateKey:
        return session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)


def make_token() -> Token:
    folder = Path(tempfile.mkdtemp(prefix="softhsm-"))
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN,
         "--so-pin", SO_PIN],
        check=True, capture_output=True,
    )  # fmt: skip
    return Token()
