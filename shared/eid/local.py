"""A local stand-in for an eID provider, for development and tests: every order confirms by
itself after a delay, as if the person had opened their app. Refused in production
(`EidSettings`), since it vouches for whoever is named at the start."""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from shared.eid.provider import Collected, EidOrder
from shared.errors import Invalid

_MAC = 32


class LocalEidProvider:
    """Stateless: the order reference carries its own facts (who, when), signed with a key
    from `secret`, so any replica sharing the secret can collect an order another started.
    For the same reason it cannot remember a cancellation: callers forget a cancelled order
    themselves (both services keep the order they started in their database)."""

    def __init__(self, secret: str, *, confirm_after: float = 2.0) -> None:
        self._key = hashlib.sha256(b"local-eid:" + secret.encode()).digest()
        self.confirm_after = confirm_after

    async def start(self, *, end_user_ip: str, personal_number: str | None = None) -> EidOrder:
        if not personal_number:
            # Real BankID lets the person pick their own identity; here nobody would.
            raise Invalid("The local eID needs a personal number.", field="personal_number")
        facts = json.dumps({"pn": personal_number, "t": time.time(), "n": secrets.token_hex(8)})
        mac = hmac.new(self._key, facts.encode(), hashlib.sha256).digest()
        return EidOrder(base64.urlsafe_b64encode(mac + facts.encode()).decode())

    async def collect(self, order_ref: str) -> Collected:
        facts = self._verified(order_ref)
        if facts is None:
            return Collected("failed")
        if time.time() - facts["t"] < self.confirm_after:
            return Collected("pending", hint_code="outstandingTransaction")
        return Collected("complete", facts["pn"])

    async def cancel(self, order_ref: str) -> None:
        """Nothing to forget: see the class's note."""

    async def close(self) -> None:
        """Nothing held: every order lives in its own reference."""

    def _verified(self, order_ref: str) -> dict[str, Any] | None:
        try:
            raw = base64.b64decode(order_ref.encode("ascii"), altchars=b"-_", validate=True)
        except (binascii.Error, UnicodeEncodeError):
            return None
        mac, facts = raw[:_MAC], raw[_MAC:]
        expected = hmac.new(self._key, facts, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            return None
        return dict(json.loads(facts))
