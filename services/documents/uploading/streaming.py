"""Request body → S3 without holding the file: bytes are cut into parts as they arrive, at
most `parallel` parts are in flight, and the reader waits (TCP back-pressure) while they are.

Memory per upload is about part_size x (parallel + 1) whatever the file size. SHA-256 and
size are computed on the way; the real type is sniffed from the first bytes before anything
is stored, so a `.pdf` that is not a PDF never reaches the bucket.
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from services.documents.domain import SNIFF_BYTES, content_type
from services.documents.uploading import parts as bucket
from shared.errors import Invalid
from shared.storage import ObjectStore


@dataclass(frozen=True)
class Received:
    size: int
    sha256: str
    content_type: str


@dataclass
class _Parts:
    """Parts being uploaded: bounded by a semaphore, their etags collected in order."""

    store: ObjectStore
    key: str
    upload_id: str
    parallel: int
    etags: list[tuple[int, str]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(self.parallel)
        self.sent = 0

    async def send(self, data: bytes) -> None:
        await self.slots.acquire()
        self.raise_failures()
        self.sent += 1
        task = asyncio.create_task(self._put(self.sent, data))
        self.tasks.add(task)

    async def _put(self, number: int, data: bytes) -> None:
        try:
            etag = await bucket.put_part(self.store, self.key, self.upload_id, number, data)
            self.etags.append((number, etag))
        finally:
            self.slots.release()

    def raise_failures(self) -> None:
        for task in [t for t in self.tasks if t.done()]:
            self.tasks.discard(task)
            task.result()

    async def finish(self) -> None:
        await asyncio.gather(*self.tasks)
        self.tasks.clear()
        await bucket.complete(self.store, self.key, self.upload_id, self.etags)

    async def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


@dataclass
class Pipe:
    """One upload of `size` bytes named `name` to `key`."""

    store: ObjectStore
    key: str
    name: str
    size: int
    part_size: int
    parallel: int
    on_multipart: Callable[[str], Awaitable[None]]
    on_progress: Callable[[], Awaitable[None]]

    async def run(self, chunks: AsyncIterator[bytes]) -> Received:
        buffer = bytearray()
        hasher = hashlib.sha256()
        total, kind, parts = 0, None, None
        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > self.size:
                    raise Invalid("The body is longer than its declared size.", field="body")
                hasher.update(chunk)
                buffer += chunk
                if kind is None and len(buffer) >= SNIFF_BYTES:
                    kind = content_type(self.name, bytes(buffer[:SNIFF_BYTES]))
                while len(buffer) >= self.part_size and total < self.size:
                    parts = parts or await self._start(kind or "application/octet-stream")
                    await parts.send(self._cut(buffer))
                    await self.on_progress()
            if total != self.size:
                raise Invalid("The body ended before its declared size.", field="body")
            kind = kind or content_type(self.name, bytes(buffer[:SNIFF_BYTES]))
            await self._last(parts, bytes(buffer), kind)
        except BaseException:
            if parts is not None:
                await parts.cancel()
            raise
        return Received(total, hasher.hexdigest(), kind)

    def _cut(self, buffer: bytearray) -> bytes:
        part = bytes(memoryview(buffer)[: self.part_size])
        del buffer[: self.part_size]
        return part

    async def _start(self, kind: str) -> _Parts:
        upload_id = await bucket.create_multipart(self.store, self.key, kind)
        await self.on_multipart(upload_id)
        return _Parts(self.store, self.key, upload_id, self.parallel)

    async def _last(self, parts: _Parts | None, rest: bytes, kind: str) -> None:
        if parts is None:
            await bucket.put_small(self.store, self.key, rest, kind)
            return
        if rest:
            await parts.send(rest)
        await parts.finish()
