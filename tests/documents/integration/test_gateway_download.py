"""Downloads through the real gateway (nginx with our template): after the service has checked
access, nginx reads the object from S3 itself (X-Accel-Redirect), and the caller gets the same
bytes and headers as from the service. Real nginx, PostgreSQL, RabbitMQ, S3."""

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from shared.http.downloads import disposition
from tests.deploy.gateway import free_port, local_values, logged_requests, nginx_running
from tests.documents.integration.conftest import Portal
from tests.documents.integration.test_uploads import pdf, setup

SENT_HEADERS = {
    "server", "date", "connection", "keep-alive", "content-length", "content-range",
    "accept-ranges", "content-type", "content-disposition", "cache-control", "etag",
    "x-content-type-options", "content-security-policy", "x-request-id",
    # The gateway's own protection of every answer (HSTS only when configured).
    "referrer-policy", "strict-transport-security",
}  # fmt: skip


@pytest.fixture
def gateway(portal: Portal, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The gateway in front of this test's documents service and S3: its URL and prefix."""
    port = free_port()
    documents = int(portal.documents.url.rsplit(":", 1)[1])
    upstreams = dict.fromkeys(("identity", "documents", "signing", "notify", "billing"), documents)
    values = local_values(port, upstreams, s3=portal.settings.s3_endpoint)
    with nginx_running(tmp_path / "gw", values, port) as prefix:
        yield f"http://127.0.0.1:{port}", prefix


async def _get(url: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, response.headers, await response.read()


async def test_the_gateway_reads_the_bytes_from_s3_after_the_service_allowed_it(
    portal: Portal, gateway: tuple[str, Path]
) -> None:
    url, prefix = gateway
    _, client, owner, folder = await setup(portal)
    reader = await portal.contact(owner.firm_id, client)
    data = pdf(9_000_000)
    doc = await portal.upload(owner, folder["id"], "Årsbokslut 2025.pdf", data)

    status, headers, body = await _get(
        f"{url}/api/v1/documents/{doc['id']}/content", reader.headers
    )
    assert status == 200
    assert body == data
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == disposition("Årsbokslut 2025.pdf")
    assert headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers.getall("Content-Security-Policy") == [
        "sandbox; default-src 'none'; frame-ancestors 'none'"
    ]
    assert headers["X-Request-Id"]
    # Nothing of S3's own (its ids, validators, vendor headers) nor the redirect reaches out.
    assert {name.lower() for name in headers} <= SENT_HEADERS
    # Two upstreams served it: the service (access) and then S3 (bytes).
    (logged,) = await logged_requests(prefix, 1)
    served_by = logged["upstream"].split(" : ")
    assert served_by[-1] == portal.settings.s3_endpoint
    assert len(served_by) == 2
    async with portal.http.get(f"/api/v1/documents/{doc['id']}/access-log",
                               headers=owner.headers) as response:  # fmt: skip
        entries = (await response.json())["entries"]
    assert [(e["user_id"], e["method"]) for e in entries] == [(str(reader.user_id), "stream")]


async def test_a_range_of_the_bytes_can_be_fetched_through_the_gateway(
    portal: Portal, gateway: tuple[str, Path]
) -> None:
    url, _ = gateway
    _, _, owner, folder = await setup(portal)
    data = pdf(300_000)
    doc = await portal.upload(owner, folder["id"], "r.pdf", data)
    status, headers, body = await _get(
        f"{url}/api/v1/documents/{doc['id']}/content", {**owner.headers, "Range": "bytes=100-199"}
    )
    assert status == 206
    assert body == data[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(data)}"


async def test_the_gateway_refuses_what_the_service_refuses(
    portal: Portal, gateway: tuple[str, Path]
) -> None:
    url, _ = gateway
    _, _, owner, folder = await setup(portal)
    doc = await portal.upload(owner, folder["id"], "secret.pdf", pdf(5000))
    stranger = await portal.contact(owner.firm_id, await portal.client(owner.firm_id))
    for headers, expected in ((stranger.headers, 404), ({}, 401)):
        status, answer, body = await _get(f"{url}/api/v1/documents/{doc['id']}/content", headers)
        assert status == expected
        assert answer["Content-Type"].startswith("application/problem+json")
        assert b"%PDF" not in body


async def test_a_caller_cannot_reach_the_gateways_s3_reads(
    portal: Portal, gateway: tuple[str, Path]
) -> None:
    url, _ = gateway
    _, _, owner, folder = await setup(portal)
    doc = await portal.upload(owner, folder["id"], "x.pdf", pdf(5000))
    version = await portal.sql(
        "SELECT object_key, sha256 FROM versions WHERE id = $1",
        uuid.UUID(doc["current_version_id"]),
    )
    path = f"/_s3/{version[0]['sha256']}/{portal.settings.bucket}/{version[0]['object_key']}"
    status, headers, body = await _get(url + path, owner.headers)
    assert status == 404
    assert headers["Content-Type"] == "application/problem+json"
    assert b"%PDF" not in body


async def test_without_the_gateway_the_service_streams_the_bytes_itself(portal: Portal) -> None:
    _, _, owner, folder = await setup(portal)
    data = pdf(5000)
    doc = await portal.upload(owner, folder["id"], "d.pdf", data)
    async with portal.http.get(
        f"/api/v1/documents/{doc['id']}/content", headers=owner.headers
    ) as response:
        assert "X-Accel-Redirect" not in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert await response.read() == data
