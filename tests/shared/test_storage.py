"""The kit's object store against a real S3 server (SeaweedFS)."""

import asyncio

from deploy.local.s3 import S3Server
from services.documents.settings import DocumentsSettings
from shared.storage import ObjectStore
from tests.support.names import unique
from tests.support.services import drop_buckets


async def test_replicas_starting_together_all_get_the_bucket(s3: S3Server) -> None:
    """Found by the process journeys: two documents replicas started at once, and the one that
    lost the race to make the bucket died at start (BucketAlreadyOwnedByYou). A new bucket each
    round: SeaweedFS may still show a bucket just removed, which is no race of ours."""
    prefix = unique("t-race").replace("_", "-")
    for round_ in range(3):
        bucket = f"{prefix}-{round_}"
        settings = DocumentsSettings(
            s3_endpoint=s3.endpoint, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
            s3_bucket=bucket,
        )  # fmt: skip
        stores = [ObjectStore(settings) for _ in range(6)]
        try:
            await asyncio.gather(*(store.ensure_bucket() for store in stores))
            assert await stores[0].run(stores[0].client.bucket_exists, bucket)
        finally:
            for store in stores:
                store.close()
    await asyncio.to_thread(drop_buckets, s3.client(), prefix)
