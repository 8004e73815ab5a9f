"""BankID's relying-party API v6 (`/auth`, `/collect`, `/cancel`), over mutual TLS.

BankID knows the relying party by its client certificate, and the relying party trusts only
BankID's own CA for the server (not the system's store). Failures are sorted the way BankID's
error table asks: `alreadyInProgress` is the person's (409); `invalidParameters` on collect or
cancel means the order is unknown or finished (collected twice, too old, cancelled); anything
else — 4xx that are our fault, 5xx, timeouts, refused TLS — leaves eID unavailable (503), and
the 4xx are logged as errors for an operator to fix. Request bodies and BankID's `details`
are never logged: they may carry a personal number.
"""

import logging
import ssl
from typing import Any, Literal, TypeVar

import aiohttp
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from shared.eid.provider import Collected, EidBusy, EidOrder, EidUnavailable

log = logging.getLogger(__name__)


class _Answer(BaseModel):
    """BankID's JSON, camelCase; fields added by later versions are ignored."""

    model_config = ConfigDict(alias_generator=to_camel, extra="ignore")


A = TypeVar("A", bound=_Answer)


class _Cancelled(_Answer):
    """`/cancel` answers `{}`."""


class _Started(_Answer):
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str


class _User(_Answer):
    personal_number: str
    name: str


class _Completion(_Answer):
    user: _User


class _Status(_Answer):
    status: Literal["pending", "complete", "failed"]
    hint_code: str | None = None
    completion_data: _Completion | None = None


class _Refused(Exception):
    """BankID answered 400 with this `errorCode`."""

    def __init__(self, error_code: str) -> None:
        super().__init__(error_code)
        self.error_code = error_code


def tls_context(certificate: str, key: str, ca: str) -> ssl.SSLContext:
    """Present the relying party's certificate; trust only the CA that issued BankID's."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
    context.load_cert_chain(certificate, key)
    return context


class BankIdProvider:
    """One client of BankID per process. The HTTP session opens on first use (it must be made
    inside the running loop) and `close` ends it at shutdown."""

    def __init__(
        self, base_url: str, *, certificate: str, key: str, ca: str, timeout: float = 10.0
    ) -> None:
        self._base = base_url.rstrip("/")
        # Loaded now, so a wrong path or a key that does not match stops the service at start.
        self._tls = tls_context(certificate, key, ca)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self, *, end_user_ip: str, personal_number: str | None = None) -> EidOrder:
        body: dict[str, Any] = {"endUserIp": end_user_ip}
        if personal_number:
            body["requirement"] = {"personalNumber": personal_number}
        try:
            started = await self._call("auth", body, _Started)
        except _Refused as refused:
            if refused.error_code == "alreadyInProgress":
                raise EidBusy("An eID order is already in progress for this person.") from None
            raise _unavailable("auth", refused.error_code) from None
        return EidOrder(
            started.order_ref, started.auto_start_token, started.qr_start_token,
            started.qr_start_secret,
        )  # fmt: skip

    async def collect(self, order_ref: str) -> Collected:
        try:
            answer = await self._call("collect", {"orderRef": order_ref}, _Status)
        except _Refused as refused:
            if refused.error_code == "invalidParameters":
                return Collected("failed")
            raise _unavailable("collect", refused.error_code) from None
        if answer.status == "complete":
            if answer.completion_data is None:
                raise _unavailable("collect", "completion without completionData")
            user = answer.completion_data.user
            return Collected("complete", user.personal_number, user.name)
        return Collected(answer.status, hint_code=answer.hint_code)

    async def cancel(self, order_ref: str) -> None:
        try:
            await self._call("cancel", {"orderRef": order_ref}, _Cancelled)
        except _Refused as refused:
            if refused.error_code != "invalidParameters":
                raise _unavailable("cancel", refused.error_code) from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, body: dict[str, Any], shape: type[A]) -> A:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(
                f"{self._base}/{method}", json=body, ssl=self._tls
            ) as response:
                return shape.model_validate(await _answer(method, response))
        except (aiohttp.ClientError, ssl.SSLError, TimeoutError, ValueError) as error:
            # ValueError: an answer of 200 that is not the shape BankID documents.
            log.warning("BankID %s failed: %s", method, type(error).__name__)
            raise EidUnavailable("BankID cannot be reached right now.") from None


async def _answer(method: str, response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        answer = None  # a proxy's HTML error page, say: the status still tells
    if response.status == 200 and isinstance(answer, dict):
        return answer
    code = answer.get("errorCode", "") if isinstance(answer, dict) else ""
    if response.status == 400 and code in ("alreadyInProgress", "invalidParameters"):
        raise _Refused(code)
    # A 4xx other than these means our setup or request is wrong (BankID's table: "RP must not
    # try the same request again"), except a slow upload (408) and rate limiting (429).
    ours = response.status < 500 and response.status not in (408, 429)
    log.log(
        logging.ERROR if ours else logging.WARNING,
        "BankID %s answered %s %s", method, response.status, code or "(no errorCode)",
    )  # fmt: skip
    raise EidUnavailable("BankID cannot serve eID right now.")


def _unavailable(method: str, reason: str) -> EidUnavailable:
    log.error("BankID %s: unexpected %s", method, reason)
    return EidUnavailable("BankID cannot serve eID right now.")
