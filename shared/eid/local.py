"""A local stand-in for an eID provider, for development and tests: every order confirms by
itself after a delay, as if the person had opened their app. Refused in production
(`EidSettings`), since it vouches for whoever is named at the start."""

import base64
import hashlib
import json
import os
import time
import uuid
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.eid.provider import Collected, EidOrder
from shared.errors import Invalid

_NONCE = 12


class LocalEidProvider:
    """Stateless: the order reference carries its own facts (who, since when), sealed with a
    key from `secret` (AES-GCM), so any replica sharing the secret can collect an order another
    started, nobody can forge one, and the reference does not show the personal number to
    whoever holds it (signing never shows a party's number back). Being stateless, it cannot
    remember a cancellation: callers forget a cancelled order themselves (both services keep
    the order they started in their database)."""

    def __init__(self, secret: str, *, confirm_after: float = 2.0) -> None:
        self._aead = AESGCM(hashlib.sha256(b"local-eid:" + secret.encode()).digest())
        self.confirm_after = confirm_after

    async def start(self, *, end_user_ip: str, personal_number: str | None = None) -> EidOrder:
        if not personal_number:
            # Real BankID lets the person pick their own identity; here nobody would.
            raise Invalid("The local eID needs a personal number.", field="personal_number")
        facts = json.dumps({"pn": personal_number, "t": time.time()}).encode()
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, facts, None)
        # Tokens of BankID's shape, so the pages that open the app and show the QR code can be
        # tried locally; nothing ever scans them, the order confirms by itself.
        return EidOrder(
            base64.urlsafe_b64encode(sealed).decode(), auto_start_token=str(uuid.uuid4()),
            qr_start_token=str(uuid.uuid4()), qr_start_secret=str(uuid.uuid4()),
        )  # fmt: skip

    async def collect(self, order_ref: str) -> Collected:
        facts = self._opened(order_ref)
        if facts is None:
            return Collected("failed")
        if time.time() - facts["t"] < self.confirm_after:
            return Collected("pending", hint_code="outstandingTransaction")
        return Collected("complete", facts["pn"])

    async def cancel(self, order_ref: str) -> None:
        """Nothing to forget: see the class's note."""

    async def close(self) -> None:
        """Nothing held: every order lives in its own reference."""

    def _opened(self, order_ref: str) -> dict[str, Any] | None:
        try:
            raw = base64.b64decode(order_ref.encode("ascii"), altchars=b"-_", validate=True)
            return dict(json.loads(self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None)))
        except (InvalidTag, ValueError):
            # ValueError: not ASCII, not base64, or too short to hold a nonce.
            return None
