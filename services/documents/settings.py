"""Settings of the documents service (env prefix `DOCUMENTS_`)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import S3Settings

MIB = 1024 * 1024


class DocumentsSettings(S3Settings):
    model_config = SettingsConfigDict(env_prefix="DOCUMENTS_")

    service: ClassVar[str] = "documents"

    replica_wait_seconds: float = Field(
        2.0,
        ge=0,
        description="How long a staff request naming a client this service has not "
        "heard of waits for identity's event (a client just created) before answering 404.",
    )
    max_upload_bytes: int = Field(
        5 * 1024**3, gt=0, description="Largest file accepted (413 above it)."
    )
    part_size_bytes: int = Field(
        8 * MIB,
        ge=5 * MIB,
        description="Bytes per S3 part while streaming (S3's minimum is 5 MiB); memory per "
        "upload is about part size x (parallel parts + 1).",
    )
    parallel_parts: int = Field(2, ge=1, le=8, description="S3 parts in flight per upload.")
    read_chunk_bytes: int = Field(
        256 * 1024, ge=4096, description="Bytes read from a request body at a time."
    )
    # 4 MiB: measured on 1 GB downloads, the service spent 0.7 CPU-seconds per GB at 1 MiB,
    # 0.5 at 2 MiB, 0.42 at 4 MiB and 0.5 at 8 MiB; a download holds about two chunks.
    download_chunk_bytes: int = Field(
        4 * MIB, ge=4096, description="Bytes read from S3 at a time when streaming a download."
    )
    presign_ttl_seconds: int = Field(
        300, ge=10, le=300, description="Lifetime of presigned download URLs (at most 5 min)."
    )
    upload_idle_seconds: float = Field(
        60.0,
        gt=0,
        description="A streaming upload whose process has not reported for this long is "
        "abandoned: the reaper removes its bytes and releases its reservation.",
    )
    multipart_idle_seconds: float = Field(
        86400.0, gt=0, description="A resumable upload untouched for this long is aborted."
    )
    heartbeat_seconds: float = Field(
        5.0, gt=0, description="How often a running upload tells the database it is alive."
    )
    commit_retry_seconds: float = Field(
        30.0, gt=0, description="Retry an unconfirmed billing commit after this long."
    )
    reaper_interval_seconds: float = Field(
        15.0, gt=0, description="How often the reaper looks for abandoned uploads and frees."
    )
    signed_copy_wait_seconds: float = Field(
        5.0,
        ge=0,
        description="How long signing's call to store a sealed PDF waits for the copy before "
        'it is answered "in progress" (the copy goes on; the retry finds it). The RPC '
        "server's pooled connection is held at most this long, whatever the source's speed.",
    )
    reminder_interval_seconds: float = Field(
        60.0, gt=0, description="How often the reminder job looks for document requests due."
    )
    reminder_hour_utc: int = Field(
        7, ge=0, le=23, description="Hour of the day (UTC) a request's reminders are sent at."
    )
