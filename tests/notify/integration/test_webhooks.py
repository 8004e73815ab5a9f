"""Outgoing webhooks over real RabbitMQ, PostgreSQL, HTTP (a receiver of the test's own) and
DNS (a server of the test's own): signatures a Standard Webhooks receiver accepts, also during a
rotation; retries, 410, timeouts, redirects; refusals of private addresses at registration and
after DNS at delivery; one delivery per event and endpoint."""

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events import billing, identity
from tests.notify.integration.conftest import Notify, StartNotify
from tests.support.infra import wait_until
from tests.support.webhooks import DnsServer, Receiver, Unverified, ok, status, verify

FAST = {
    "webhook_allowed_test_hosts": ["localhost"],
    "webhook_retry_schedule_seconds": [0.2, 0.2, 0.2, 0.2],
    "webhook_poll_seconds": 0.1,
}
TOPPED_UP = "billing.balance.topped_up"
ROOT = "/api/v1/webhooks"


def topped_up(credits: int = 10) -> billing.BalanceToppedUp:
    return billing.BalanceToppedUp(purchase_id=uuid.uuid4(), credits=credits, balance=credits)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def hooks(start_notify: StartNotify) -> Notify:
    return await start_notify(**FAST)


async def call(
    notify: Notify, method: str, path: str, expect: int, headers: dict[str, str] | None = None,
    **kw: Any,
) -> Any:  # fmt: skip
    async with notify.http.request(
        method, path, headers=headers or notify.staff_token(), **kw
    ) as response:
        text = await response.text()
        assert response.status == expect, text
        return json.loads(text) if text else None


async def register(
    notify: Notify, url: str, types: list[str] | None = None, expect: int = 201
) -> Any:
    body = {"url": url, "event_types": types or [TOPPED_UP], "description": "ERP"}
    return await call(notify, "POST", ROOT, expect, json=body)


async def deliveries(notify: Notify, webhook_id: str) -> list[dict[str, Any]]:
    page = await call(notify, "GET", f"{ROOT}/{webhook_id}/deliveries", 200)
    return page["items"]


async def settled(notify: Notify, webhook_id: str, n: int = 1) -> list[dict[str, Any]]:
    """Wait until `n` deliveries of the endpoint are no longer pending."""
    found: list[dict[str, Any]] = []

    async def done() -> bool:
        nonlocal found
        found = await deliveries(notify, webhook_id)
        return len([d for d in found if d["state"] != "pending"]) >= n

    await wait_until(done, timeout=15)
    return found


async def test_a_delivery_is_signed_as_standard_webhooks_receivers_verify(
    hooks: Notify, receiver: Receiver
) -> None:
    made = await register(hooks, receiver.url())
    assert made["secret"].startswith("whsec_")
    assert "secret" not in await call(hooks, "GET", f"{ROOT}/{made['id']}", 200)

    event = await hooks.publish(topped_up())
    await hooks.publish(identity.ClientArchived(client_id=uuid.uuid4()))  # not asked for

    [log] = await settled(hooks, made["id"])
    [got] = receiver.received
    verify(made["secret"], got.headers, got.body)
    with pytest.raises(Unverified):
        verify("whsec_" + "A" * 44, got.headers, got.body)
    assert got.headers["webhook-id"] == str(event.id)
    assert got.headers["Content-Type"] == "application/json"
    assert json.loads(got.body) == json.loads(event.model_dump_json())
    assert log["state"] == "delivered"
    assert log["response_status"] == 200
    assert log["response_body"] == "thanks"
    assert log["latency_ms"] > 0
    async with hooks.http.get("/metrics") as response:
        metrics = await response.text()
    assert f'portal_webhooks_delivered_total{{type="{TOPPED_UP}"}} 1.0' in metrics


async def test_both_secrets_sign_for_a_day_after_a_rotation(
    hooks: Notify, receiver: Receiver
) -> None:
    made = await register(hooks, receiver.url())
    rotated = await call(hooks, "POST", f"{ROOT}/{made['id']}/secret", 200)
    assert rotated["secret"] != made["secret"]
    until = datetime.fromisoformat(rotated["previous_valid_until"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)

    await hooks.publish(topped_up())
    await settled(hooks, made["id"])
    first = receiver.received[0]
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    verify(made["secret"], first.headers, first.body)
    verify(rotated["secret"], first.headers, first.body)

    # A day later only the new secret signs.
    await hooks.sql(
        "UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second'"
    )
    await hooks.publish(topped_up())
    await settled(hooks, made["id"], 2)
    later = receiver.received[1]
    verify(rotated["secret"], later.headers, later.body)
    with pytest.raises(Unverified):
        verify(made["secret"], later.headers, later.body)


async def test_a_failing_receiver_is_retried_until_it_recovers(
    hooks: Notify, receiver: Receiver
) -> None:
    receiver.answers = [status(500, "down"), status(503), ok]
    made = await register(hooks, receiver.url())
    await hooks.publish(topped_up())

    [log] = await settled(hooks, made["id"])
    assert (log["state"], log["attempts"], log["response_status"]) == ("delivered", 3, 200)
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    for got in receiver.received:
        verify(made["secret"], got.headers, got.body)
    endpoint = await call(hooks, "GET", f"{ROOT}/{made['id']}", 200)
    assert endpoint["enabled"]
    assert endpoint["failing_since"] is None


async def test_a_delivery_is_given_up_when_the_schedule_ends(
    start_notify: StartNotify, receiver: Receiver
) -> None:
    notify = await start_notify(**FAST | {"webhook_retry_schedule_seconds": [0.1, 0.1]})
    receiver.answers = [status(500, "x" * 5000)]
    made = await register(notify, receiver.url())
    await notify.publish(topped_up())

    [log] = await settled(notify, made["id"])
    assert (log["state"], log["attempts"]) == ("failed", 3)
    assert log["response_body"] == "x" * 1024
    endpoint = await call(notify, "GET", f"{ROOT}/{made['id']}", 200)
    assert endpoint["enabled"]
    assert endpoint["failing_since"] is not None


async def test_410_disables_the_endpoint_and_tells_the_firms_admins(
    hooks: Notify, receiver: Receiver
) -> None:
    await hooks.open_firm(firm_id=hooks.firm_id)
    owner, admin, _member = [await hooks.staff(r) for r in ("owner", "admin", "member")]
    await hooks.settled(people=3)
    receiver.answers = [status(410)]
    made = await register(hooks, receiver.url())
    await hooks.publish(topped_up())

    [log] = await settled(hooks, made["id"])
    assert (log["state"], log["attempts"], log["response_status"]) == ("failed", 1, 410)
    endpoint = await call(hooks, "GET", f"{ROOT}/{made['id']}", 200)
    assert (endpoint["enabled"], endpoint["disabled_reason"]) == (False, "gone")
    await wait_until(lambda: len(hooks.smtp.messages) >= 2)
    assert sorted(m["To"] for m in hooks.smtp.messages) == sorted(
        f"{p}@firm.test" for p in (owner, admin)
    )
    mail = hooks.mails_to(f"{owner}@firm.test")[0]
    assert "410" in mail.get_body(("plain",)).get_content()
    assert receiver.url() in mail.get_body(("plain",)).get_content()

    # Off means off: a new event is not delivered until it is turned on again.
    while_off = await hooks.publish(topped_up())
    await hooks.delivered(while_off)
    turned_on = await call(hooks, "PATCH", f"{ROOT}/{made['id']}", 200, json={"enabled": True})
    assert (turned_on["enabled"], turned_on["disabled_reason"]) == (True, None)
    assert len(await deliveries(hooks, made["id"])) == 1
    assert len(receiver.received) == 1


async def test_an_endpoint_failing_for_five_days_is_disabled(
    hooks: Notify, receiver: Receiver
) -> None:
    await hooks.open_firm(firm_id=hooks.firm_id)
    owner = await hooks.staff("owner")
    await hooks.settled(people=1)
    receiver.answers = [status(500)]
    made = await register(hooks, receiver.url())
    await hooks.sql("UPDATE webhook_endpoints SET failing_since = now() - interval '4 days'")
    await hooks.publish(topped_up())
    await wait_until(lambda: len(receiver.received) >= 1)
    endpoint = await call(hooks, "GET", f"{ROOT}/{made['id']}", 200)
    assert endpoint["enabled"], "four days of failures are not yet enough"

    await hooks.sql("UPDATE webhook_endpoints SET failing_since = now() - interval '5 days'")

    async def disabled() -> bool:
        found = await call(hooks, "GET", f"{ROOT}/{made['id']}", 200)
        return found["disabled_reason"] == "failing"

    await wait_until(disabled)
    await wait_until(lambda: len(hooks.mails_to(f"{owner}@firm.test")) == 1)
    text = hooks.mails_to(f"{owner}@firm.test")[0].get_body(("plain",)).get_content()
    assert "five days" in text


async def test_a_slow_receiver_times_out(start_notify: StartNotify, receiver: Receiver) -> None:
    notify = await start_notify(**FAST | {"webhook_timeout_seconds": 0.5})
    receiver.delay = 2.0
    made = await register(notify, receiver.url())
    await notify.publish(topped_up())

    async def tried() -> bool:
        found = await deliveries(notify, made["id"])
        return bool(found and found[0]["error"])

    await wait_until(tried)
    [log] = await deliveries(notify, made["id"])
    assert log["state"] != "delivered"
    assert log["response_status"] is None
    assert log["error"] == "no answer within 0.5 s"
    assert log["latency_ms"] < 1500


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    hooks: Notify, receiver: Receiver
) -> None:
    receiver.answers = [status(302, Location=receiver.url(path="/elsewhere"))]
    made = await register(hooks, receiver.url())
    await hooks.publish(topped_up())

    async def retried() -> bool:
        return len(receiver.received) >= 2

    await wait_until(retried)
    assert {r.path for r in receiver.received} == {"/hook"}
    [log] = await deliveries(hooks, made["id"])
    assert log["state"] != "delivered"
    assert log["response_status"] == 302


REFUSED_AT_REGISTRATION = [
    "https://127.0.0.1/hook",  # loopback
    "https://127.8.9.10/hook",
    "https://[::1]/hook",
    "https://10.1.2.3/hook",  # private
    "https://172.16.5.4/hook",
    "https://192.168.1.1/hook",
    "https://[fc00::1]/hook",
    "https://169.254.10.20/hook",  # link-local
    "https://[fe80::1]/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://0.0.0.0/hook",  # unspecified
    "https://[::]/hook",
    "https://224.0.0.1/hook",  # multicast
    "https://[ff02::1]/hook",
    "https://169.254.169.254/latest/meta-data",  # cloud metadata
    "https://[fd00:ec2::254]/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
    "https://[::ffff:169.254.169.254]/hook",
    "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
    "https://192.0.2.1/hook",  # documentation, not routed
    "http://93.184.215.14/hook",  # public, but not HTTPS
    "https://user:pw@93.184.215.14/hook",  # credentials
    "https://localhost.invalid/hook",  # does not resolve
    "not a url",
]


async def test_private_addresses_are_refused_at_registration(hooks: Notify) -> None:
    for url in REFUSED_AT_REGISTRATION:
        problem = await register(hooks, url, expect=422)
        assert problem["field"] == "url", (url, problem)
    assert await call(hooks, "GET", ROOT, 200) == {"items": []}


async def test_a_name_resolving_to_a_private_address_is_refused_at_registration_and_delivery(
    start_notify: StartNotify, receiver: Receiver
) -> None:
    dns = DnsServer()
    await dns.start()
    try:
        notify = await start_notify(**FAST | {"webhook_dns_servers": [f"127.0.0.1:{dns.port}"]})
        dns.records = {"inside.example": ["10.0.0.7"], "mapped.example": ["::ffff:127.0.0.1"],
                       "mixed.example": ["93.184.215.14", "127.0.0.1"]}  # fmt: skip
        for host in dns.records:
            problem = await register(notify, f"https://{host}/hook", expect=422)
            assert problem["field"] == "url", problem
            assert host in problem["detail"], problem

        # Public when registered, then rebound to the receiver on this machine.
        dns.records["rebind.example"] = ["93.184.215.14"]
        made = await register(notify, receiver.url("rebind.example", scheme="https"))
        dns.records["rebind.example"] = ["127.0.0.1"]
        await notify.publish(topped_up())

        async def tried() -> bool:
            found = await deliveries(notify, made["id"])
            return bool(found and found[0]["error"])

        await wait_until(tried)
        [log] = await deliveries(notify, made["id"])
        assert log["error"] == (
            "refused: rebind.example resolves to a loopback address (127.0.0.1)"
        )
        assert receiver.received == []
    finally:
        dns.stop()


async def test_one_delivery_per_event_however_often_it_arrives(
    start_notify: StartNotify, receiver: Receiver
) -> None:
    notify = await start_notify(replicas=2, **FAST)
    made = await register(notify, receiver.url())
    other = await register(notify, receiver.url(path="/other"))
    envelope = await notify.publish(topped_up())
    for _ in range(4):
        await notify.publish_envelope(envelope)

    await settled(notify, made["id"])
    await settled(notify, other["id"])
    await notify.delivered(envelope)
    assert sorted(r.path for r in receiver.received) == ["/hook", "/other"]
    rows = await notify.sql("SELECT endpoint_id FROM webhook_deliveries")
    assert len(rows) == 2


async def test_resending_one_delivery_or_all_since_a_time(
    hooks: Notify, receiver: Receiver
) -> None:
    made = await register(hooks, receiver.url())
    started = datetime.now(UTC)
    for _ in range(3):
        await hooks.publish(topped_up())
    log = await settled(hooks, made["id"], 3)

    again = await call(hooks, "POST", f"{ROOT}/{made['id']}/deliveries/{log[0]['id']}/resend", 202)
    assert again["state"] == "pending"
    await wait_until(lambda: len(receiver.received) == 4)
    assert receiver.received[3].headers["webhook-id"] == log[0]["event_id"]

    await settled(hooks, made["id"], 3)
    resent = await call(
        hooks, "POST", f"{ROOT}/{made['id']}/resend", 202, json={"since": started.isoformat()}
    )
    assert resent == {"queued": 3}
    await wait_until(lambda: len(receiver.received) == 7)
    page = await call(hooks, "GET", f"{ROOT}/{made['id']}/deliveries?limit=2", 200)
    assert len(page["items"]) == 2
    assert page["next_before"] is not None
    rest = await call(
        hooks, "GET", f"{ROOT}/{made['id']}/deliveries", 200,
        params={"before": page["next_before"]},
    )  # fmt: skip
    assert len(rest["items"]) == 1


async def test_endpoints_are_the_firms_owners_and_admins_alone(
    hooks: Notify, receiver: Receiver
) -> None:
    made = await register(hooks, receiver.url())
    one = f"{ROOT}/{made['id']}"
    other_firm = hooks.staff_token(uuid.uuid4())
    for method in ("GET", "DELETE"):
        await call(hooks, method, one, 404, headers=other_firm)
    await call(hooks, "GET", ROOT, 200, headers=other_firm)
    await call(hooks, "GET", one, 200, headers=hooks.staff_token(role="admin"))
    await call(hooks, "GET", one, 403, headers=hooks.staff_token(role="member"))
    await call(hooks, "GET", one, 403, headers=hooks.contact_token())

    problem = await call(hooks, "PATCH", one, 422, json={"event_types": ["documents.nope"]})
    assert problem["field"] == "event_types"
    changed = await call(hooks, "PATCH", one, 200, json={"description": "CRM", "enabled": False})
    assert (changed["description"], changed["disabled_reason"]) == ("CRM", "manual")
    await call(hooks, "DELETE", one, 204)
    await call(hooks, "GET", one, 404)


async def test_the_secret_is_sealed_at_rest(hooks: Notify, receiver: Receiver) -> None:
    made = await register(hooks, receiver.url())
    row = await hooks.row("SELECT * FROM webhook_endpoints")
    dump = repr(dict(row)).encode()
    key = made["secret"].removeprefix("whsec_")
    assert key.encode() not in dump
    assert made["secret"].encode() not in dump
    assert base64.b64decode(key) not in bytes(row["secret_sealed"])


async def test_a_secret_that_does_not_open_fails_its_delivery_alone(
    hooks: Notify, receiver: Receiver
) -> None:
    broken = await register(hooks, receiver.url(path="/broken"))
    working = await register(hooks, receiver.url())
    # As if sealed under another NOTIFY_WEBHOOK_SECRET_KEY.
    await hooks.sql(
        "UPDATE webhook_endpoints SET secret_sealed = $1 WHERE id = $2",
        bytes(60), uuid.UUID(broken["id"]),
    )  # fmt: skip
    await hooks.publish(topped_up())

    [delivered] = await settled(hooks, working["id"])
    assert delivered["state"] == "delivered"

    async def tried() -> bool:
        found = await deliveries(hooks, broken["id"])
        return bool(found and found[0]["error"])

    await wait_until(tried)
    [failed] = await deliveries(hooks, broken["id"])
    assert failed["error"] == "the signing secret cannot be opened"
    assert [r.path for r in receiver.received] == ["/hook"]
