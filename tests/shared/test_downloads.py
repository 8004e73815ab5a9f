"""Downloads the kit sends (documents and signing): whatever a browser may render of them is
sandboxed and its type pinned, but for a PDF shown inline, which Chromium's viewer must be able
to show; the name in Content-Disposition never carries bidirectional controls. Real S3."""

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from deploy.local.s3 import S3Server
from services.documents.settings import DocumentsSettings
from shared.http.downloads import Download, disposition, send
from shared.http.measuring import METRICS
from shared.http.problems import problems
from shared.metrics import Metrics
from shared.storage import ObjectStore
from tests.support.infra import wait_until
from tests.support.names import unique
from tests.support.services import Running, drop_buckets, serve

SANDBOXED = "sandbox; default-src 'none'; frame-ancestors 'none'"
INLINE_PDF = "default-src 'none'; frame-ancestors 'self'"
HTML = b"<html><script>alert(document.cookie)</script></html>"
PDF = b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n"

# name → (type, shown inline, bytes)
FILES = {
    "page.html": ("text/html", False, HTML),
    "drawing.svg": ("image/svg+xml", True, HTML),
    "invoice.pdf": ("application/pdf", False, PDF),
    "contract.pdf": ("application/pdf", True, PDF),
}


@pytest.fixture
async def downloads(s3: S3Server) -> AsyncIterator[Running]:
    bucket = unique("t-downloads").replace("_", "-")
    settings = DocumentsSettings(
        s3_endpoint=s3.endpoint, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
        s3_bucket=bucket,
    )  # fmt: skip
    store = ObjectStore(settings)
    await store.ensure_bucket()
    for name, (content_type, _, data) in FILES.items():
        await store.run(
            store.client.put_object, bucket, name, io.BytesIO(data), len(data),
            content_type=content_type,
        )  # fmt: skip

    async def download(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        content_type, inline, data = FILES[name]
        item = Download(name, name, content_type, "ab" * 32, len(data), inline=inline)
        return await send(request, store, item, proxies=settings.proxies, chunk_bytes=4096)

    app = web.Application(middlewares=[problems])
    app[METRICS] = Metrics()  # as every service's app has it
    app.router.add_get("/files/{name}", download)
    async with serve(app) as running:
        yield running
    store.close()
    await asyncio.to_thread(drop_buckets, s3.client(), bucket)


@pytest.mark.parametrize("name", FILES)
async def test_a_streamed_download_is_sandboxed_unless_an_inline_pdf(
    downloads: Running, name: str
) -> None:
    content_type, inline, data = FILES[name]
    async with downloads.http.get(f"/files/{name}") as response:
        assert response.status == 200
        assert await response.read() == data
        headers = response.headers
    assert headers["Content-Type"] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    expected = INLINE_PDF if inline and content_type == "application/pdf" else SANDBOXED
    assert headers.getall("Content-Security-Policy") == [expected]
    assert headers["Content-Disposition"].startswith("inline" if inline else "attachment")
    # Counted once the last byte is written, which may be after the client read it.
    counted = downloads.app[METRICS].downloaded.labels("service")
    await wait_until(lambda: counted._value.get() == len(data))


async def test_the_gateway_is_handed_the_same_protection(downloads: Running) -> None:
    """nginx drops these on X-Accel-Redirect and sets its own (tests/deploy), but a service
    never answers without them."""
    async with downloads.http.get(
        "/files/page.html", headers={"X-Gateway-S3": "/_s3/"}
    ) as response:
        assert response.headers["X-Accel-Redirect"].startswith("/_s3/")
        assert response.headers["Content-Security-Policy"] == SANDBOXED
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    counted = downloads.app[METRICS].downloaded
    assert counted.labels("gateway")._value.get() == len(FILES["page.html"][2])
    assert counted.labels("service")._value.get() == 0


def test_a_name_is_sent_without_bidirectional_controls() -> None:
    """A name stored before they were refused would show reordered in a save dialog."""
    spoofed = "invoice\u202efdp.exe"
    assert disposition(spoofed) == disposition("invoicefdp.exe")
    mixed = "\u2067avtal\u2069 \u200fkontrakt\u061c.pdf"
    assert disposition(mixed, inline=True) == disposition("avtal kontrakt.pdf", inline=True)
