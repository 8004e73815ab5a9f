"""Endpoint secrets at rest: sealed with AES-256-GCM under a key derived from the setting
`webhook_secret_key` (as signing seals personal numbers), the endpoint's id bound as
associated data, so a sealed secret copied into another endpoint's row does not open there.
A dump of the database alone reveals no secret; the API shows one only when it is made."""

import os
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.notify.webhooks import rules

NONCE_BYTES = 12


class SecretBox:
    def __init__(self, key_material: str) -> None:
        kdf = HKDF(hashes.SHA256(), length=32, salt=None, info=b"notify webhook secrets")
        self._aead = AESGCM(kdf.derive(key_material.encode()))

    def seal(self, endpoint_id: UUID, secret: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), endpoint_id.bytes)

    def open(self, endpoint_id: UUID, sealed: bytes) -> str:
        """The secret; raises InvalidTag under another key, for another endpoint's row or
        after any change."""
        nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return self._aead.decrypt(nonce, ciphertext, endpoint_id.bytes).decode()


def new_secret() -> str:
    return rules.new_secret(os.urandom(rules.SECRET_BYTES))
