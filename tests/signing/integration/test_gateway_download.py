"""A party's PDF and the sealed copy through the real gateway (nginx with our template): after
signing has checked the link, nginx reads the bytes from S3 itself. Real nginx, PostgreSQL,
RabbitMQ, S3."""

import hashlib
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from services.signing import files
from shared.http.downloads import disposition
from shared.service import SETTINGS, STORE
from tests.deploy.gateway import free_port, local_values, logged_requests, nginx_running
from tests.signing.integration.conftest import World, party
from tests.signing.integration.test_order_and_links import started


@pytest.fixture
def gateway(world: World, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    signing = int(world.signing.url.rsplit(":", 1)[1])
    upstreams = dict.fromkeys(("identity", "documents", "signing", "notify", "billing"), signing)
    s3 = world.signing.app[SETTINGS].s3_endpoint
    with nginx_running(tmp_path / "gw", local_values(port, upstreams, s3=s3), port) as prefix:
        yield f"http://127.0.0.1:{port}", prefix


async def test_a_party_reads_the_pdf_to_sign_from_s3_through_the_gateway(
    world: World, gateway: tuple[str, Path]
) -> None:
    url, prefix = gateway
    _, _, created = await started(world, [party("Anna Andersson", "anna@example.se")])
    token = await world.invitation("anna@example.se")
    store = world.signing.app[STORE]
    sent = (await files.fetch(store, files.original_key(created["id"])))[0].read()

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/v1/sign/{token}/document") as response,
    ):
        body = await response.read()
    assert response.status == 200
    assert body == sent
    assert response.headers["ETag"] == f'"{hashlib.sha256(sent).hexdigest()}"'
    assert response.headers["Content-Disposition"] == disposition(
        created["document_name"], inline=True
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Inline, so no `sandbox`: Chromium's PDF viewer does not start in a sandboxed document.
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    )
    (logged,) = await logged_requests(prefix, 1)
    assert logged["upstream"].split(" : ")[-1] == world.signing.app[SETTINGS].s3_endpoint
    assert logged["uri"] == "/api/v1/sign/[redacted]/document"
    assert token not in (prefix / "access.log").read_text() + (prefix / "error.log").read_text()
