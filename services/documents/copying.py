"""Copying a sealed PDF in from the presigned link signing sends, outside any RPC transaction.

The kit's RPC server runs a handler inside the transaction of its batch: a pooled connection
and the batch's key locks stay held until the handler returns. A copy reads a whole file over
HTTP, as slowly as its source sends it, so the handler does not copy. It records the upload,
starts the copy here as a task of this process that uses only short transactions of its own,
and waits for it a bounded time (`signed_copy_wait_seconds`). A copy that takes longer is
answered "in progress" and goes on; the retry with the same key finds it done. If the process
dies mid-copy, the reaper undoes the upload as it does any other abandoned one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING
from uuid import UUID

import aiohttp

from services.documents import uploading
from services.documents.models import DocumentRow, UploadRow
from shared.errors import Unavailable

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

log = logging.getLogger(__name__)

IN_PROGRESS = "This copy is still in progress; ask again shortly."

Copy = asyncio.Task[DocumentRow]


class Copies:
    """The copies this process is running; those still running when it stops are cancelled
    (each undoes its upload, or the reaper does)."""

    def __init__(self) -> None:
        self._running: dict[UUID, Copy] = {}

    def start(self, deps: DocumentsDeps, upload: UploadRow, source_url: str, sha256: str) -> Copy:
        task = asyncio.create_task(_copy(deps, upload, source_url, sha256))
        self._running[upload.id] = task
        task.add_done_callback(lambda done: self._finished(upload.id, done))
        return task

    def _finished(self, upload_id: UUID, task: Copy) -> None:
        self._running.pop(upload_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.warning("copy of upload %s failed", upload_id, exc_info=task.exception())

    async def close(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def within(copy: Copy, seconds: float) -> DocumentRow:
    """The copy's document, or Unavailable ("in progress") if it takes longer; it goes on."""
    try:
        return await asyncio.wait_for(asyncio.shield(copy), seconds)
    except TimeoutError:
        raise Unavailable(IN_PROGRESS) from None


async def _copy(
    deps: DocumentsDeps, upload: UploadRow, source_url: str, sha256: str
) -> DocumentRow:
    """Hold the bytes in billing, fetch and store them; any failure undoes the upload."""
    await uploading.reserve(deps, upload)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=60)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(source_url) as response,
        ):
            response.raise_for_status()
            chunks = response.content.iter_chunked(deps.settings.read_chunk_bytes)
            return await uploading.stream(deps, upload, chunks, sha256)
    except aiohttp.ClientError as error:
        await uploading.undo(deps, upload)
        raise Unavailable(f"The signed PDF could not be fetched: {error}") from None
