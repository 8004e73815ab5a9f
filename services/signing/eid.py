"""eID (BankID-style) behind a small provider interface, so a real provider plugs in.

A party starts an order, confirms it in their eID app, and signing collects the result: the
personal number the provider vouches for must be the party's. Personal numbers are never logged.
"""

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from aiohttp import web

from services.signing.settings import SigningSettings
from shared.service import SETTINGS


@dataclass(frozen=True)
class EidResult:
    status: Literal["pending", "complete", "failed"]
    personal_number: str | None = None
    name: str | None = None


class EidProvider(Protocol):
    async def start(self, *, end_user_address: str | None) -> str:
        """Begin an authentication; returns the provider's order reference."""
        ...

    async def collect(self, order_ref: str) -> EidResult: ...


class TestEidProvider:
    """A local stand-in for development and tests: an order completes when `confirm` is called
    (what the person's eID app would do), with the personal number they prove."""

    def __init__(self) -> None:
        self._orders: dict[str, EidResult] = {}

    async def start(self, *, end_user_address: str | None) -> str:
        order_ref = secrets.token_hex(16)
        self._orders[order_ref] = EidResult("pending")
        return order_ref

    async def collect(self, order_ref: str) -> EidResult:
        return self._orders.get(order_ref, EidResult("failed"))

    def confirm(self, order_ref: str, personal_number: str, name: str) -> None:
        if order_ref in self._orders:
            self._orders[order_ref] = EidResult("complete", personal_number, name)


EID = web.AppKey("eid", EidProvider)


async def eid_resource(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert isinstance(settings, SigningSettings)
    if settings.eid_provider == "test":
        app[EID] = TestEidProvider()
    yield
