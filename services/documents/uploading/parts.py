"""An upload's bytes in the bucket, through the kit's ObjectStore (every minio call in its
thread pool).

Multipart calls use minio's multipart primitives so that this service, not the client
library, knows each S3 upload id: it is recorded before the first part is sent, so the
reaper can abort an upload whose process died.
"""

import io

from minio.datatypes import Part
from minio.error import S3Error

from shared.storage import ObjectStore


async def put_small(store: ObjectStore, key: str, data: bytes, content_type: str) -> None:
    await store.run(
        store.client.put_object, store.bucket, key, io.BytesIO(data), len(data),
        content_type=content_type,
    )  # fmt: skip


async def create_multipart(store: ObjectStore, key: str, content_type: str) -> str:
    headers = {"Content-Type": content_type}
    return await store.run(store.client._create_multipart_upload, store.bucket, key, headers)


async def put_part(store: ObjectStore, key: str, upload_id: str, number: int, data: bytes) -> str:
    return await store.run(
        store.client._upload_part, store.bucket, key, data, None, upload_id, number
    )


async def complete(
    store: ObjectStore, key: str, upload_id: str, parts: list[tuple[int, str]]
) -> None:
    listed = [Part(number, etag) for number, etag in sorted(parts)]
    await store.run(store.client._complete_multipart_upload, store.bucket, key, upload_id, listed)


async def abort(store: ObjectStore, key: str, upload_id: str) -> None:
    try:
        await store.run(store.client._abort_multipart_upload, store.bucket, key, upload_id)
    except S3Error as error:
        if error.code not in ("NoSuchUpload", "NoSuchKey"):
            raise


async def remove(store: ObjectStore, key: str) -> None:
    """Idempotent: removing what is not there succeeds."""
    await store.run(store.client.remove_object, store.bucket, key)
