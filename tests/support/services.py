"""Run a service in-process on a free port, with settings pointing at this test's resources."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from shared.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


@dataclass
class Environment:
    """Where this test's resources are: every service's settings are built from it."""

    amqp_url: str
    namespace: str
    jwks_url: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    new_database: Callable[[str], Any]

    @property
    def bucket_prefix(self) -> str:
        return f"t-{self.namespace.strip('.')}-".replace("_", "-")

    async def settings(self, cls: type[S], **overrides: Any) -> S:
        values: dict[str, Any] = {
            "database_url": await self.new_database(cls.service),
            "amqp_url": self.amqp_url,
            "bus_namespace": self.namespace,
            "jwks_url": self.jwks_url,
            "bus_retry_base_seconds": 0.05,
            "bus_retry_max_seconds": 0.5,
            "shutdown_timeout_seconds": 2.0,
        }
        if "s3_endpoint" in cls.model_fields:
            values |= {
                "s3_endpoint": self.s3_endpoint,
                "s3_access_key": self.s3_access_key,
                "s3_secret_key": self.s3_secret_key,
                "s3_bucket": f"{self.bucket_prefix}{cls.service}"[:63],
            }
        return cls(**(values | overrides))


def drop_buckets(client: Minio, prefix: str) -> None:
    """Remove a test's buckets with what they hold. SeaweedFS gives every bucket volumes of its
    own and bounds their number by the free disk (77 buckets on a 78 GB disk here), so a run
    that kept them all would start failing with 500s near its end."""
    for bucket in client.list_buckets():
        if not bucket.name.startswith(prefix):
            continue
        listed = client.list_objects(bucket.name, recursive=True)
        for error in client.remove_objects(
            bucket.name, (DeleteObject(o.object_name) for o in listed)
        ):
            raise AssertionError(f"object not removed: {error}")
        # A multipart upload left open on purpose (a crash test) keeps its bucket: harmless.
        with suppress(S3Error):
            client.remove_bucket(bucket.name)


@dataclass
class Running:
    app: web.Application
    url: str
    http: aiohttp.ClientSession


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[Running]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(base_url=url) as http:
            yield Running(app, url, http)
    finally:
        await runner.cleanup()
