"""What every eID provider offers, in BankID's terms (relying-party API v6): start an order,
collect it until the person has confirmed in their app (or it failed), cancel it.

Personal numbers and names are kept out of these objects' reprs, so a log line or an error
message that shows one does not leak who was identifying."""

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Literal, Protocol

from shared.errors import Conflict, Unavailable


@dataclass(frozen=True)
class EidOrder:
    """A started order. The tokens are BankID's (None from a provider without them): the
    autoStartToken opens the app on the same device; the QR pair animates the QR code shown
    to another device, and the secret stays on the server (see `qr_data`)."""

    order_ref: str
    auto_start_token: str | None = None
    qr_start_token: str | None = None
    qr_start_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Collected:
    """Where an order stands. `complete` carries whom the provider vouches for; `hint_code`
    is the provider's reason while pending or once failed (e.g. `userSign`, `userCancel`)."""

    status: Literal["pending", "complete", "failed"]
    personal_number: str | None = field(default=None, repr=False)
    name: str | None = field(default=None, repr=False)
    hint_code: str | None = None


class EidUnavailable(Unavailable):
    """The provider is down, refused our TLS client, timed out or answered with a fault."""

    title = "eID temporarily unavailable"


class EidBusy(Conflict):
    """The person already has an order in progress (BankID `alreadyInProgress`)."""

    title = "eID already in progress"


class EidProvider(Protocol):
    async def start(self, *, end_user_ip: str, personal_number: str | None = None) -> EidOrder:
        """Begin an authentication; with a personal number only that person can confirm it."""
        ...

    async def collect(self, order_ref: str) -> Collected:
        """The order's state now; an unknown, finished or forged order is `failed`."""
        ...

    async def cancel(self, order_ref: str) -> None:
        """Stop an order; one that is unknown or already finished is left as it is."""
        ...

    async def close(self) -> None:
        """Release what the provider holds (connections); the service's shutdown calls it."""
        ...


def qr_data(qr_start_token: str, qr_start_secret: str, seconds: int) -> str:
    """The content of BankID's animated QR code `seconds` (whole seconds) after the order
    started: it changes every second, so a photo of the screen is soon worthless."""
    code = hmac.new(qr_start_secret.encode(), str(seconds).encode(), hashlib.sha256)
    return f"bankid.{qr_start_token}.{seconds}.{code.hexdigest()}"
