"""eID (BankID-style) provider adapter: start with a personal identity number, then collect
until the person has confirmed in their app. A real provider implements `EidProvider`; the
local test provider below confirms by itself after a delay, for tests and the local run."""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class Collected:
    status: Literal["pending", "complete", "failed"]
    personal_number: str | None = None


class EidProvider(Protocol):
    async def start(self, personal_number: str) -> str: ...

    async def collect(self, order_ref: str) -> Collected: ...


class LocalEidProvider:
    """Confirms every order `confirm_after` seconds after it started, as if the person had
    opened their app. Stateless (the order carries its own signed facts), so any replica can
    collect an order another started. Never for production."""

    def __init__(self, secret: str, *, confirm_after: float = 0.0) -> None:
        self._key = hashlib.sha256(b"local-eid:" + secret.encode()).digest()
        self.confirm_after = confirm_after

    async def start(self, personal_number: str) -> str:
        facts = json.dumps({"pn": personal_number, "t": time.time()}).encode()
        mac = hmac.new(self._key, facts, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac + facts).decode()

    async def collect(self, order_ref: str) -> Collected:
        try:
            raw = base64.urlsafe_b64decode(order_ref.encode())
        except ValueError:
            return Collected("failed")
        mac, facts = raw[:32], raw[32:]
        if not hmac.compare_digest(mac, hmac.new(self._key, facts, hashlib.sha256).digest()):
            return Collected("failed")
        order = json.loads(facts)
        if time.time() - order["t"] < self.confirm_after:
            return Collected("pending")
        return Collected("complete", order["pn"])
