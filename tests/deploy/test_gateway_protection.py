"""The gateway's protection, through a real nginx in front of stand-in services: the caller's
address only from the trusted proxy, rate limits per address on the public auth routes, and
the security headers (HSTS only where configured, a CSP, no framing, no referrer)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.gateway import free_port, local_values, nginx_running, send

PUBLIC = ["/api/v1/auth/login", "/api/v1/firms", "/api/v1/firms/confirm", "/api/v1/sign/t0ken"]
HSTS = "max-age=63072000; includeSubDomains"


@pytest.fixture
def gateway(tmp_path: Path, stand_ins: dict[str, int]) -> Iterator[int]:
    """Behind a proxy at 127.0.0.1 (where the tests connect from), with HSTS on and the auth
    routes' rate as deployed."""
    port = free_port()
    values = local_values(port, stand_ins, hsts=HSTS, auth_rate="10r/s")
    with nginx_running(tmp_path / "gw", values, port):
        yield port


@pytest.fixture
def untrusting_gateway(tmp_path: Path, stand_ins: dict[str, int]) -> Iterator[int]:
    """Whose trusted proxy is elsewhere: these tests' connections come from a stranger."""
    port = free_port()
    values = local_values(port, stand_ins) | {"GATEWAY_TRUSTED_PROXY": "192.0.2.1/32"}
    with nginx_running(tmp_path / "gw", values, port):
        yield port


def _seen_by_service(port: int, path: str, **headers: str) -> dict[str, str]:
    status, _, body = send(port, "GET", path, **headers)
    assert status == 200
    return json.loads(body)["headers"]


def test_the_trusted_proxys_client_address_reaches_the_services(gateway: int) -> None:
    seen = _seen_by_service(
        gateway, "/api/v1/me", **{"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "10.6.6.6"}
    )
    assert seen["x-real-ip"] == "198.51.100.7"


def test_a_stranger_cannot_name_its_own_address(untrusting_gateway: int) -> None:
    """X-Forwarded-For and X-Real-IP from anyone but the trusted proxy are not believed: the
    services see the peer's own address, and the gateway's own X-Gateway-S3."""
    seen = _seen_by_service(
        untrusting_gateway,
        "/api/v1/me",
        **{"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "10.6.6.6", "X-Gateway-S3": "/x/"},
    )
    assert seen["x-real-ip"] == "127.0.0.1"
    assert seen["x-gateway-s3"] == "/_s3/"


@pytest.mark.parametrize("path", PUBLIC)
def test_public_auth_routes_are_rate_limited_per_address(gateway: int, path: str) -> None:
    flood = {"X-Forwarded-For": "198.51.100.20"}
    statuses = [send(gateway, "POST", path, b"{}", **flood)[0] for _ in range(40)]
    assert statuses[:20] == [200] * 20
    assert 429 in statuses
    status, headers, body = send(gateway, "POST", path, b"{}", **flood)
    assert status == 429
    assert headers["content-type"] == "application/problem+json"
    assert headers["retry-after"] == "1"
    assert json.loads(body)["status"] == 429
    # Another address is not slowed down by this one.
    assert send(gateway, "POST", path, b"{}", **{"X-Forwarded-For": "198.51.100.21"})[0] == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/auth/browser/refresh", "/api/v1/auth/eid/qr"]
)
def test_other_routes_are_not_limited_by_the_gateway(gateway: int, path: str) -> None:
    """Nor what a signed-in page or an eID wait polls."""
    statuses = {send(gateway, "POST", path, b"{}")[0] for _ in range(40)}
    assert statuses == {200}


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/unknown", "/healthz", "/assets/x.js"])
def test_api_answers_carry_the_security_headers(gateway: int, path: str) -> None:
    _, headers, _ = send(gateway, "GET", path)
    assert headers["strict-transport-security"] == HSTS
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["x-request-id"]


def test_without_hsts_configured_none_is_sent(untrusting_gateway: int) -> None:
    _, headers, _ = send(untrusting_gateway, "GET", "/api/v1/me")
    assert "strict-transport-security" not in headers
    assert headers["x-frame-options"] == "DENY"
