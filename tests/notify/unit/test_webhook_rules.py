"""Webhook rules, literals in, answer out: which addresses are refused, URL checks, the
Standard Webhooks signature (against the specification's own example), the retry schedule
and what an answer comes to."""

from datetime import UTC, datetime, timedelta
from ipaddress import ip_address

import pytest

from services.notify.app import SPEC
from services.notify.webhooks import rules
from services.notify.webhooks.models import EVENT_TYPES
from shared.errors import Invalid
from shared.events.base import Event, catalog

SCHEDULE = [5, 300, 1800]
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.9.8.7", "private"),
        ("172.31.0.1", "private"), ("192.168.0.10", "private"), ("fd12::1", "private"),
        ("169.254.3.4", "link-local"), ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"), ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"), ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"), ("64:ff9b::a00:1", "private"),
        ("2002:7f00:1::", "loopback"), ("192.0.2.1", "reserved"), ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused_by_class(address: str, why: str) -> None:
    assert rules.refused_address(ip_address(address)) == why


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111",
                                     "::ffff:93.184.215.14"])  # fmt: skip
def test_public_addresses_are_allowed(address: str) -> None:
    assert rules.refused_address(ip_address(address)) is None


def test_one_private_answer_among_public_ones_refuses_the_name() -> None:
    found = [ip_address("93.184.215.14"), ip_address("10.0.0.1")]
    assert rules.refusal("x.example", found) == "x.example resolves to a private address (10.0.0.1)"
    assert rules.refusal("x.example", []) == "x.example does not resolve"
    assert rules.refusal("x.example", found[:1]) is None


@pytest.mark.parametrize("url", ["http://erp.example/h", "https://u:p@erp.example/h",
                                 "https://erp.example/h#f", "https:///h", "ftp://erp.example",
                                 "https://erp.example:99999/"])  # fmt: skip
def test_urls_refused_on_the_url_field(url: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.endpoint_host(url, ())
    assert refused.value.field == "url"


def test_plain_http_only_for_test_hosts() -> None:
    assert rules.endpoint_host("http://localhost:8080/h", {"localhost"}) == "localhost"
    assert rules.endpoint_host("https://ERP.example/h?x=1", ()) == "erp.example"


def test_the_signature_of_the_specifications_example() -> None:
    # standard-webhooks/spec, "Signature scheme" example values.
    key = rules.secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    header = rules.signature_header([key], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_both_secrets_sign_only_during_the_overlap() -> None:
    until = NOW + timedelta(hours=1)
    assert rules.signing_secrets("new", "old", until, NOW) == ["new", "old"]
    assert rules.signing_secrets("new", "old", until, until) == ["new"]
    assert rules.signing_secrets("new", None, None, NOW) == ["new"]


def test_new_secrets_are_standard_webhooks_secrets() -> None:
    secret = rules.new_secret(bytes(range(32)))
    assert secret.startswith("whsec_")
    assert rules.secret_key(secret) == bytes(range(32))


@pytest.mark.parametrize(
    ("status", "attempts", "expected"),
    [(200, 1, "delivered"), (204, 4, "delivered"), (410, 1, "gone"), (500, 1, "retry"),
     (302, 1, "retry"), (None, 3, "retry"), (500, 4, "failed"), (None, 4, "failed"),
     (404, 2, "retry")],
)  # fmt: skip
def test_what_an_answer_comes_to(status: int | None, attempts: int, expected: str) -> None:
    assert rules.outcome(status, attempts, SCHEDULE) == expected


def test_retries_follow_the_schedule_with_jitter() -> None:
    assert [rules.retry_delay(n, SCHEDULE, 1.0) for n in (1, 2, 3)] == [5, 300, 1800]
    assert rules.retry_delay(2, SCHEDULE, 1.1) == pytest.approx(330)


def test_the_log_keeps_the_first_kilobyte_as_text() -> None:
    assert rules.response_excerpt(b"a" * 2000 + b"\xff") == "a" * 1024
    assert rules.response_excerpt(b"ok \xff") == "ok \ufffd"


def test_notify_consumes_every_type_an_endpoint_may_ask_for() -> None:
    """The kit binds notify's queue to the types of its handler table: each public event
    type is among them, so none an endpoint asked for stays on the exchange."""
    bound = {kind.type for kind in SPEC.events}
    # The platform's own catalog; other tests add events of their own (test.widget.made).
    public = {
        m.type for m in catalog() if issubclass(m, Event) and m.__module__.startswith("shared.")
    }
    assert set(EVENT_TYPES) == public
    assert set(EVENT_TYPES) <= bound
