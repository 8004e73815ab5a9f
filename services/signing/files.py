"""The bytes: each document is copied once from documents into signing's own bucket, so what
parties see and what is sealed is exactly what was sent, and its SHA-256 can be taken again.

Bytes pass through bounded buffers (a spooled temporary file), never whole in memory, and every
minio call runs in the store's thread pool.
"""

from __future__ import annotations

import asyncio
import hashlib
from tempfile import SpooledTemporaryFile
from typing import IO, TYPE_CHECKING
from uuid import UUID

import aiohttp
from aiohttp import web
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from services.signing.domain import NotPdf
from services.signing.models import SigningRow
from shared.errors import NotFound, TooLarge, Unavailable
from shared.http import downloads
from shared.http.downloads import Download
from shared.storage import ObjectStore

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024

Spool = IO[bytes]


def http_session() -> aiohttp.ClientSession:
    """The client that fetches documents' presigned URLs: a whole transfer may take minutes,
    but a stalled one is given up after half a minute of silence."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300, sock_read=30))


def original_key(signing_id: UUID) -> str:
    return f"signings/{signing_id}/original.pdf"


def attachment_key(signing_id: UUID, index: int) -> str:
    return f"signings/{signing_id}/attachments/{index}"


def signed_key(signing_id: UUID) -> str:
    return f"signings/{signing_id}/signed.pdf"


def original(signing: SigningRow) -> Download:
    """The PDF as sent, shown in the browser's viewer."""
    return Download(
        key=original_key(signing.id), name=signing.document_name, content_type="application/pdf",
        sha256=signing.document_sha256, size=signing.document_size, inline=True,
    )  # fmt: skip


def attachment(signing: SigningRow, index: int) -> Download:
    item = signing.attachments[index]
    return Download(
        key=attachment_key(signing.id, index), name=item.name,
        content_type="application/octet-stream", sha256=item.sha256, size=item.size,
    )  # fmt: skip


def signed(signing: SigningRow) -> Download:
    """The sealed PDF of a completed request."""
    if signing.sealed_sha256 is None or signing.sealed_size is None:
        raise NotFound("This request has no signed PDF (yet).")
    return Download(
        key=signed_key(signing.id), name=signed_name(signing.document_name),
        content_type="application/pdf", sha256=signing.sealed_sha256, size=signing.sealed_size,
        inline=True,
    )  # fmt: skip


def signed_name(name: str) -> str:
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{stem} (signed).pdf"[:255]


async def send(request: web.Request, deps: SigningDeps, download: Download) -> web.StreamResponse:
    return await downloads.send(
        request, deps.store, download, proxies=deps.settings.proxies, chunk_bytes=CHUNK
    )


def new_spool() -> Spool:
    return SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)


async def download(http: aiohttp.ClientSession, url: str, max_bytes: int) -> tuple[Spool, str]:
    """Fetch a presigned URL into a spool; returns it (rewound) and the bytes' SHA-256."""
    spool, digest, size = new_spool(), hashlib.sha256(), 0
    async with http.get(url) as response:
        if response.status != 200:
            spool.close()
            raise Unavailable(f"documents' download answered {response.status}")
        async for chunk in response.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                spool.close()
                raise TooLarge(f"The document is larger than {max_bytes} bytes.")
            digest.update(chunk)
            spool.write(chunk)
    spool.seek(0)
    return spool, digest.hexdigest()


def check_pdf(spool: Spool) -> None:
    """Really a PDF, readable and not encrypted (blocking: run it in a thread)."""
    spool.seek(0)
    if not spool.read(5).startswith(b"%PDF-"):
        raise NotPdf("the file is not a PDF")
    spool.seek(0)
    try:
        reader = PdfReader(spool)
        if reader.is_encrypted:
            raise NotPdf("it is encrypted")
        if len(reader.pages) == 0:
            raise NotPdf("it has no pages")
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NotPdf("it cannot be read") from exc
    finally:
        spool.seek(0)


async def check_pdf_async(spool: Spool) -> None:
    await asyncio.to_thread(check_pdf, spool)


def size_of(spool: Spool) -> int:
    spool.seek(0, 2)
    size = spool.tell()
    spool.seek(0)
    return size


async def put(store: ObjectStore, key: str, spool: Spool, content_type: str) -> int:
    size = size_of(spool)
    await store.run(
        store.client.put_object, store.bucket, key, spool, size, content_type=content_type
    )
    return size


def _fetch(store: ObjectStore, key: str) -> tuple[Spool, str]:
    spool, digest = new_spool(), hashlib.sha256()
    response = store.client.get_object(store.bucket, key)
    try:
        for chunk in response.stream(CHUNK):
            digest.update(chunk)
            spool.write(chunk)
    finally:
        response.close()
        response.release_conn()
    spool.seek(0)
    return spool, digest.hexdigest()


async def fetch(store: ObjectStore, key: str) -> tuple[Spool, str]:
    """An object of signing's bucket in a spool, with its SHA-256 as read now."""
    return await store.run(_fetch, store, key)


async def sha256_of(store: ObjectStore, key: str) -> str:
    spool, digest = await fetch(store, key)
    spool.close()
    return digest
