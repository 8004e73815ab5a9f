"""The bucket, through the synchronous minio client: every call in the store's thread pool.

Multipart calls use minio's multipart primitives so that this service, not the client
library, knows each S3 upload id: it is recorded before the first part is sent, so the
reaper can abort an upload whose process died.
"""

import io
from datetime import timedelta

from minio.datatypes import Part
from minio.error import S3Error

from shared.http.downloads import disposition
from shared.storage import ObjectStore


class Objects:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.client = store.client
        self.bucket = store.bucket

    async def put_small(self, key: str, data: bytes, content_type: str) -> None:
        await self.store.run(
            self.client.put_object, self.bucket, key, io.BytesIO(data), len(data),
            content_type=content_type,
        )  # fmt: skip

    async def create_multipart(self, key: str, content_type: str) -> str:
        headers = {"Content-Type": content_type}
        return await self.store.run(self.client._create_multipart_upload, self.bucket, key, headers)

    async def put_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        return await self.store.run(
            self.client._upload_part, self.bucket, key, data, None, upload_id, number
        )

    async def complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        listed = [Part(number, etag) for number, etag in sorted(parts)]
        await self.store.run(
            self.client._complete_multipart_upload, self.bucket, key, upload_id, listed
        )

    async def abort(self, key: str, upload_id: str) -> None:
        try:
            await self.store.run(self.client._abort_multipart_upload, self.bucket, key, upload_id)
        except S3Error as error:
            if error.code not in ("NoSuchUpload", "NoSuchKey"):
                raise

    async def remove(self, key: str) -> None:
        """Idempotent: removing what is not there succeeds."""
        await self.store.run(self.client.remove_object, self.bucket, key)

    async def exists(self, key: str) -> bool:
        try:
            await self.store.run(self.client.stat_object, self.bucket, key)
        except S3Error as error:
            if error.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    async def presigned_get(
        self, key: str, ttl: int, name: str, content_type: str, *, for_browser: bool = False
    ) -> str:
        """A link to the bytes under the document's name and type: at the public S3 address
        for a browser, else at the one our peers share."""
        client = self.store.public_client if for_browser else self.client
        headers = {
            "response-content-disposition": disposition(name),
            "response-content-type": content_type,
        }
        return await self.store.run(
            client.presigned_get_object, self.bucket, key, timedelta(seconds=ttl), headers
        )
