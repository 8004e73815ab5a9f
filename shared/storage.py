"""S3 through the `minio` client (MinIO in compose, SeaweedFS locally and in tests).

The client is synchronous (urllib3): every call runs in a bounded thread pool, never on the
event loop. Each call is a client span (no instrumentation knows the minio client).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error
from opentelemetry import trace

from shared.settings import S3Settings
from shared.telemetry import tracer

T = TypeVar("T")


class ObjectStore:
    def __init__(self, settings: S3Settings, *, threads: int = 16) -> None:
        self.bucket = settings.bucket
        self.client = _client(settings, settings.s3_endpoint, settings.s3_secure)
        self.public_client = self.client
        if settings.s3_public_url:
            public = urlsplit(settings.s3_public_url)
            self.public_client = _client(settings, public.netloc, public.scheme == "https")
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="s3")

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one blocking minio call in the pool, as a span named for the call."""
        operation = getattr(call, "__name__", "call")
        with tracer.start_as_current_span(
            f"S3 {operation}",
            kind=trace.SpanKind.CLIENT,
            attributes={"rpc.system": "aws-api", "rpc.service": "S3", "rpc.method": operation,
                        "aws.s3.bucket": self.bucket},
        ):  # fmt: skip
            return await self._in_pool(call, *args, **kwargs)

    async def _in_pool(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: call(*args, **kwargs))

    async def ensure_bucket(self) -> None:
        """Replicas starting together race to make the bucket: losing that race is fine."""
        if await self.run(self.client.bucket_exists, self.bucket):
            return
        try:
            await self.run(self.client.make_bucket, self.bucket)
        except S3Error as error:
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def ping(self) -> None:
        if not await self.run(self.client.bucket_exists, self.bucket):
            raise ConnectionError(f"bucket {self.bucket} is missing")

    async def chunks(self, key: str, chunk_size: int) -> AsyncIterator[bytes]:
        """The object's bytes; the next chunk is fetched while the caller handles this one.
        One span for the GET; reading its body is not a span per chunk."""
        response = await self.run(self.client.get_object, self.bucket, key)
        try:
            pending = asyncio.ensure_future(self._in_pool(response.read, chunk_size))
            while data := await pending:
                pending = asyncio.ensure_future(self._in_pool(response.read, chunk_size))
                yield data
        finally:
            if not pending.done():
                pending.cancel()
            response.close()
            response.release_conn()

    async def presigned_url(self, key: str, ttl: int) -> str:
        """A presigned GET at our endpoint, for a peer or proxy that reaches S3 there."""
        return await self.run(
            self.client.presigned_get_object, self.bucket, key, timedelta(seconds=ttl)
        )

    async def presigned_path(self, key: str, ttl: int) -> str:
        """Path and query of a presigned GET, for a proxy that reaches S3 at our endpoint."""
        url = urlsplit(await self.presigned_url(key, ttl))
        return f"{url.path}?{url.query}"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _client(settings: S3Settings, endpoint: str, secure: bool) -> Minio:
    """A client of the store. The region is given so that presigning never asks the server:
    the public endpoint may be one only browsers can reach."""
    return Minio(
        endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=secure,
        region=settings.s3_region,
    )
