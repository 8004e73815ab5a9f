"""Sending an object of S3 to a caller whom the service has already allowed to have it.

Behind a gateway that offers to read S3 itself (X-Gateway-S3, believed from a trusted proxy
only), the answer is an X-Accel-Redirect to a presigned object under the gateway's prefix:
nginx streams the bytes with the headers given here and the service relays none of them.
Called directly, the service streams them itself, a chunk read ahead while one is written.

A download is bytes someone gave us, never a page of ours: whatever a browser renders of it
must not run script in our origin (an uploaded HTML or SVG file, a PDF with script). So the
type is pinned (nosniff) and a Content-Security-Policy sandboxes the document: an opaque
origin, no script, nothing loaded. The gateway's /_s3/ location applies the same rule.
"""

from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from shared.filenames import without_bidi_controls
from shared.http.measuring import METRICS
from shared.http.peers import Networks, gateway_s3_prefix
from shared.storage import ObjectStore

# The gateway asks S3 at once; the margin covers clock skew between the service and S3.
GATEWAY_LINK_SECONDS = 300

SANDBOXED = "sandbox; default-src 'none'; frame-ancestors 'none'"
# Chromium will not start its PDF viewer in a sandboxed document, whatever the sandbox allows
# (crbug 413851), so a PDF shown inline goes without it: its type is pinned, so it renders as
# a PDF or not at all, and a PDF's own script runs in the viewer's process, not in our origin.
# Chromium applies no response CSP to its viewer's page, so default-src 'none' does not hide
# the PDF; frame-ancestors 'self' lets the portal show it in a frame.
INLINE_PDF = "default-src 'none'; frame-ancestors 'self'"


@dataclass(frozen=True)
class Download:
    key: str
    name: str
    content_type: str
    sha256: str
    size: int
    inline: bool = False
    # A private document is never kept; a public, versioned one (a firm's logo) may be.
    cache_control: str = "private, no-store"


def disposition(name: str, *, inline: bool = False) -> str:
    """The file name twice: plain ASCII for old clients, and exact UTF-8 (RFC 6266), without
    bidirectional controls (a name stored before they were refused would show reordered)."""
    name = without_bidi_controls(name)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def protection(content_type: str, *, inline: bool = False) -> dict[str, str]:
    """The headers that keep a browser from running what a download holds; also for a
    redirect to one."""
    pdf_view = inline and content_type == "application/pdf"
    return {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": INLINE_PDF if pdf_view else SANDBOXED,
    }


async def send(
    request: web.Request,
    store: ObjectStore,
    download: Download,
    *,
    proxies: Networks,
    chunk_bytes: int,
) -> web.StreamResponse:
    headers = {
        "Content-Type": download.content_type,
        "Content-Disposition": disposition(download.name, inline=download.inline),
        "Cache-Control": download.cache_control,
        **protection(download.content_type, inline=download.inline),
    }
    if prefix := gateway_s3_prefix(request, proxies):
        # nginx keeps Content-Type, Content-Disposition and Cache-Control of these, takes the
        # ETag from the path, and sets the protection itself (it drops other headers here).
        path = await store.presigned_path(download.key, GATEWAY_LINK_SECONDS)
        accel = f"{prefix.rstrip('/')}/{download.sha256}{path}"
        request.app[METRICS].downloaded.labels("gateway").inc(download.size)
        return web.Response(headers={**headers, "X-Accel-Redirect": accel})
    response = web.StreamResponse(headers={**headers, "ETag": f'"{download.sha256}"'})
    response.content_length = download.size
    chunks = store.chunks(download.key, chunk_bytes)
    first = await anext(chunks, b"")  # S3 errors surface before the 200 is sent
    await response.prepare(request)
    await response.write(first)
    sent = len(first)
    async for chunk in chunks:
        await response.write(chunk)
        sent += len(chunk)
    await response.write_eof()
    request.app[METRICS].downloaded.labels("service").inc(sent)
    return response
