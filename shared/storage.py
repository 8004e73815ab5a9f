"""S3 through the `minio` client (MinIO in compose, SeaweedFS locally and in tests).

The client is synchronous (urllib3): every call runs in a bounded thread pool, never on the
event loop.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from minio import Minio

from shared.settings import S3Settings

T = TypeVar("T")


class ObjectStore:
    def __init__(self, settings: S3Settings, *, threads: int = 16) -> None:
        self.bucket = settings.bucket
        self.client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="s3")

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one blocking minio call in the pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: call(*args, **kwargs))

    async def ensure_bucket(self) -> None:
        if not await self.run(self.client.bucket_exists, self.bucket):
            await self.run(self.client.make_bucket, self.bucket)

    async def ping(self) -> None:
        if not await self.run(self.client.bucket_exists, self.bucket):
            raise ConnectionError(f"bucket {self.bucket} is missing")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
