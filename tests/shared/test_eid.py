"""The kit's eID: the BankID adapter against a local BankID RP API v6 server over mutual TLS
(tests/support/bankid.py), the stateless local provider, the animated QR and the settings."""

import binascii
import logging
import ssl
from collections.abc import AsyncIterator
from typing import ClassVar

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from deploy.local.ports import free_port
from shared.eid import (
    BankIdProvider,
    EidBusy,
    EidSettings,
    EidUnavailable,
    LocalEidProvider,
    make_eid_provider,
    qr_data,
)
from shared.errors import Invalid
from tests.support.bankid import BankIdServer, Pki
from tests.support.infra import wait_until

NUMBER = "198001011234"
IP = "192.0.2.10"


class Settings(EidSettings):
    model_config = SettingsConfigDict(env_prefix="EIDTEST_")

    service: ClassVar[str] = "identity"


@pytest.fixture
async def provider(bankid: BankIdServer) -> AsyncIterator[BankIdProvider]:
    made = make_eid_provider(Settings(**bankid.client_settings()), "unused")
    assert isinstance(made, BankIdProvider)
    yield made
    await made.close()


def client(
    pki: Pki, url: str, *, ca: str | None = None, stranger: bool = False, timeout: float = 2.0
) -> BankIdProvider:
    pem = pki.stranger if stranger else pki.client
    return BankIdProvider(
        url, certificate=str(pem.certificate), key=str(pem.key), ca=ca or str(pki.ca),
        timeout=timeout,
    )  # fmt: skip


# --- BankID -------------------------------------------------------------------------------


async def test_an_order_with_a_required_person_goes_pending_then_complete(
    provider: BankIdProvider, bankid: BankIdServer
) -> None:
    order = await provider.start(end_user_ip=IP, personal_number=NUMBER)
    first = await provider.collect(order.order_ref)
    bankid.user_signs(order.order_ref)
    signing = await provider.collect(order.order_ref)
    bankid.complete(order.order_ref)
    done = await provider.collect(order.order_ref)
    again = await provider.collect(order.order_ref)

    assert bankid.orders == {}
    assert None not in (order.auto_start_token, order.qr_start_token, order.qr_start_secret)
    assert (first.status, first.hint_code) == ("pending", "outstandingTransaction")
    assert (signing.status, signing.hint_code) == ("pending", "userSign")
    assert (done.status, done.personal_number, done.name) == ("complete", NUMBER, "Test Person")
    assert again.status == "failed"  # BankID answers a finished order once
    assert NUMBER not in repr(done)


async def test_the_personal_number_is_sent_as_the_requirement_and_only_when_given(
    provider: BankIdProvider, bankid: BankIdServer
) -> None:
    required = await provider.start(end_user_ip=IP, personal_number=NUMBER)
    anyone = await provider.start(end_user_ip=IP)
    assert bankid.orders[required.order_ref].personal_number == NUMBER
    assert bankid.orders[anyone.order_ref].personal_number is None
    assert bankid.orders[anyone.order_ref].end_user_ip == IP


async def test_an_unknown_order_is_failed_and_a_cancelled_one_too(
    provider: BankIdProvider, bankid: BankIdServer
) -> None:
    order = await provider.start(end_user_ip=IP, personal_number=NUMBER)
    await provider.cancel(order.order_ref)
    cancelled = await provider.collect(order.order_ref)
    await provider.cancel(order.order_ref)  # twice: BankID's invalidParameters, no error
    unknown = await provider.collect("8f7c6e2a-0000-4000-8000-000000000000")

    assert (cancelled.status, unknown.status) == ("failed", "failed")
    assert bankid.orders == {}


async def test_the_person_cancelling_in_the_app_fails_the_order_with_its_hint(
    provider: BankIdProvider, bankid: BankIdServer
) -> None:
    order = await provider.start(end_user_ip=IP, personal_number=NUMBER)
    bankid.fail(order.order_ref, "userCancel")
    failed = await provider.collect(order.order_ref)
    assert (failed.status, failed.hint_code, failed.personal_number) == (
        "failed", "userCancel", None,
    )  # fmt: skip


async def test_a_second_order_for_the_same_person_is_busy(
    provider: BankIdProvider, bankid: BankIdServer
) -> None:
    await provider.start(end_user_ip=IP, personal_number=NUMBER)
    with pytest.raises(EidBusy) as busy:
        await provider.start(end_user_ip=IP, personal_number=NUMBER)
    other = await provider.start(end_user_ip=IP, personal_number="199001011234")
    assert busy.value.status == 409
    assert other.order_ref in bankid.orders


async def test_a_client_without_the_relying_partys_certificate_is_refused(
    bankid: BankIdServer, bankid_pki: Pki
) -> None:
    stranger = client(bankid_pki, bankid.url, stranger=True)
    with pytest.raises(EidUnavailable) as refused:
        await stranger.start(end_user_ip=IP, personal_number=NUMBER)
    await stranger.close()
    # The stand-in really demands a certificate: a client presenting none gets no answer.
    anonymous = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=bankid_pki.ca))
    async with aiohttp.ClientSession(connector=anonymous) as http:
        with pytest.raises(aiohttp.ClientError):
            await http.post(f"{bankid.url}/collect", json={"orderRef": "x"})
    assert refused.value.status == 503
    assert bankid.orders == {}


async def test_a_server_certificate_not_from_the_configured_ca_is_refused(
    bankid: BankIdServer, bankid_pki: Pki
) -> None:
    trusting_another = client(bankid_pki, bankid.url, ca=str(bankid_pki.other_ca))
    with pytest.raises(EidUnavailable):
        await trusting_another.start(end_user_ip=IP, personal_number=NUMBER)
    await trusting_another.close()
    assert bankid.orders == {}


async def test_down_failing_or_slow_bankid_is_unavailable_and_never_logs_the_number(
    bankid: BankIdServer, bankid_pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    down = client(bankid_pki, f"https://127.0.0.1:{free_port()}/rp/v6.0")
    slow = client(bankid_pki, bankid.url, timeout=0.3)
    failures = []
    for provider, fault, delay in ((down, None, 0.0), (slow, 503, 0.0), (slow, 500, 0.0),
                                   (slow, 401, 0.0), (slow, None, 1.0)):  # fmt: skip
        bankid.fault, bankid.delay = fault, delay
        with pytest.raises(EidUnavailable) as unavailable:
            await provider.start(end_user_ip=IP, personal_number=NUMBER)
        failures.append(unavailable.value.status)
    await down.close()
    await slow.close()
    assert failures == [503] * 5
    assert NUMBER not in caplog.text
    assert "BankID auth" in caplog.text


def test_the_qr_code_follows_bankids_published_example_and_an_independent_hmac() -> None:
    token, secret = "67df3917-fa0d-44e5-b327-edcc928297f8", "d28db9a7-4cde-429e-a983-359be676944c"
    # The example in BankID's QR code documentation (time 0).
    published = "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
    mac = crypto_hmac.HMAC(secret.encode(), hashes.SHA256())
    mac.update(b"7")
    assert qr_data(token, secret, 0) == f"bankid.{token}.0.{published}"
    assert qr_data(token, secret, 7) == f"bankid.{token}.7.{mac.finalize().hex()}"


# --- the local provider ---------------------------------------------------------------------


async def test_the_local_provider_confirms_the_given_number_after_its_delay() -> None:
    local = LocalEidProvider("secret", confirm_after=0.3)
    order = await local.start(end_user_ip=IP, personal_number=NUMBER)
    pending = await local.collect(order.order_ref)

    async def confirmed() -> bool:
        return (await local.collect(order.order_ref)).status == "complete"

    await wait_until(confirmed, timeout=5)
    done = await local.collect(order.order_ref)
    assert pending.status == "pending"
    assert done.personal_number == NUMBER
    assert None not in (order.auto_start_token, order.qr_start_token, order.qr_start_secret)
    with pytest.raises(Invalid):
        await local.start(end_user_ip=IP)


async def test_the_local_provider_refuses_a_forged_or_garbled_order() -> None:
    local = LocalEidProvider("secret")
    order = (await local.start(end_user_ip=IP, personal_number=NUMBER)).order_ref
    raw = bytearray(binascii.a2b_base64(order.replace("-", "+").replace("_", "/")))
    raw[-5] ^= 1  # one bit of the sealed facts
    forged = binascii.b2a_base64(bytes(raw), newline=False).decode()
    elsewhere = LocalEidProvider("another secret", confirm_after=0)
    answers = [
        (await local.collect(ref)).status
        for ref in (forged.replace("+", "-").replace("/", "_"), "not-a-reference", "A", "ä" * 10)
    ]
    assert answers == ["failed"] * 4
    assert (await elsewhere.collect(order)).status == "failed"


async def test_two_replicas_of_the_local_provider_collect_each_others_orders() -> None:
    one = LocalEidProvider("shared", confirm_after=0)
    two = LocalEidProvider("shared", confirm_after=0)
    from_one = await one.start(end_user_ip=IP, personal_number=NUMBER)
    from_two = await two.start(end_user_ip=IP, personal_number="199001011234")
    collected = [await two.collect(from_one.order_ref), await one.collect(from_two.order_ref)]
    assert [(c.status, c.personal_number) for c in collected] == [
        ("complete", NUMBER), ("complete", "199001011234"),
    ]  # fmt: skip


# --- settings -----------------------------------------------------------------------------


def test_production_refuses_the_local_provider_and_bankid_without_its_files(
    bankid: BankIdServer,
) -> None:
    production = {"environment": "production", "amqp_url": "amqp://svc:pw@rabbit/"}
    with pytest.raises(ValidationError, match="not in production"):
        Settings(**production)
    with pytest.raises(ValidationError, match="needs eid_bankid_url"):
        Settings(**production, eid_provider="bankid", eid_bankid_url="https://bankid.example")
    with pytest.raises(ValidationError, match="needs eid_bankid_url"):
        Settings(**production | bankid.client_settings() | {"eid_bankid_url": "http://x"})
    accepted = Settings(**production | bankid.client_settings())
    assert Settings(**production, eid_provider="none").eid_provider == "none"
    assert Settings().eid_provider == "local"  # development
    assert accepted.eid_provider == "bankid"


def test_the_factory_makes_the_chosen_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIDTEST_EID_PROVIDER", "local")
    monkeypatch.setenv("EIDTEST_EID_CONFIRM_SECONDS", "0.5")
    local = make_eid_provider(Settings(), "secret")
    assert isinstance(local, LocalEidProvider)
    assert local.confirm_after == 0.5
    assert make_eid_provider(Settings(eid_provider="none"), "secret") is None
