"""SIGKILL the documents process in the middle of a 200 MB upload: after a restart nothing
of it remains in S3 and its reservation is released; and the process's memory did not grow
with the file while it streamed."""

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from deploy.local.ports import free_port
from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.documents.settings import DocumentsSettings
from shared.bus import Bus, BusNames
from shared.events.base import Envelope
from shared.events.identity import ClientCreated, FirmCreated
from shared.service import DB
from tests.documents.integration.conftest import PLANS
from tests.support.infra import wait_until
from tests.support.services import Environment, serve
from tests.support.tokens import JwksServer, mint

SIZE = 200 * 1024 * 1024
MIB = 1024 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def start(settings: DocumentsSettings, port: int) -> asyncio.subprocess.Process:
    environ = {
        **os.environ, "DATABASE_URL": settings.dsn, "AMQP_URL": settings.amqp_url,
        "BUS_NAMESPACE": settings.bus_namespace, "JWKS_URL": settings.jwks_url,
        "S3_ENDPOINT": settings.s3_endpoint, "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key, "DOCUMENTS_S3_BUCKET": settings.bucket,
        "DOCUMENTS_HTTP_PORT": str(port), "DOCUMENTS_UPLOAD_IDLE_SECONDS": "2",
        "DOCUMENTS_REAPER_INTERVAL_SECONDS": "0.5", "DOCUMENTS_HEARTBEAT_SECONDS": "0.5",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.documents", env=environ,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    async def ready() -> bool:
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/readyz") as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    await wait_until(ready, timeout=30)
    return process


async def body(sent: list[int]) -> AsyncIterator[bytes]:
    block = b"%PDF-1.7\n" + os.urandom(MIB - 9)
    for _ in range(SIZE // MIB):
        sent[0] += len(block)
        yield block
        block = os.urandom(MIB)


async def test_sigkill_mid_upload_leaves_nothing_behind(env: Environment, jwks: JwksServer) -> None:
    billing_settings = await env.settings(BillingSettings, plan_included_bytes=PLANS | {
        "partner": 10**9})  # fmt: skip
    settings = await env.settings(DocumentsSettings)
    port = free_port()
    async with serve(billing_app(billing_settings)) as billing:
        bus = Bus(settings.amqp_url, BusNames(settings.bus_namespace), name="test")
        await bus.start()
        process = await start(settings, port)
        try:
            firm, _client, folder = await _firm_with_folder(bus, billing, port, jwks)
            owner = {"Authorization": "Bearer " + mint(jwks.keys[0], firm_id=firm)}
            idle = rss_mb(process.pid)
            peak = await _upload_and_kill(process, port, folder, owner)
            assert peak - idle < 8 * 8, f"RSS grew {peak - idle:.0f} MB while streaming"
            process = await start(settings, port)

            async def settled() -> bool:
                async with billing.app[DB].transaction() as conn:
                    row = await conn.fetchrow(
                        "SELECT storage_used, storage_reserved FROM accounts WHERE firm_id = $1",
                        firm,
                    )
                return (row["storage_used"], row["storage_reserved"]) == (0, 0)

            await wait_until(settled, timeout=30)
            from minio import Minio

            s3 = Minio(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                       secure=False)  # fmt: skip
            assert list(s3.list_objects(settings.bucket, recursive=True)) == []
            assert list(s3._list_multipart_uploads(settings.bucket).uploads) == []
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            await bus.stop()


async def _firm_with_folder(bus: Bus, billing, port: int, jwks: JwksServer):  # type: ignore[no-untyped-def]
    firm, client = uuid.uuid4(), uuid.uuid4()
    for event in (
        FirmCreated(firm_id=firm, name="F", country="SE", plan="partner",
                    default_language="sv", owner_id=uuid.uuid4()),
        ClientCreated(client_id=client, kind="company", name="C", organisation_number=None),
    ):  # fmt: skip
        await _publish(bus, Envelope.wrap(event, firm_id=firm, actor=None))
    owner = {"Authorization": "Bearer " + mint(jwks.keys[0], firm_id=firm)}
    base = f"http://127.0.0.1:{port}"

    async def folder_made() -> str | None:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{base}/api/v1/clients/{client}/folders", json={"name": "in"}, headers=owner
            ) as response,
        ):
            return (await response.json())["id"] if response.status == 201 else None

    made: list[str] = []

    async def ready() -> bool:
        folder = await folder_made()
        if folder:
            made.append(folder)
        return bool(folder)

    await wait_until(ready, timeout=20)

    async def account() -> bool:
        async with billing.app[DB].transaction() as conn:
            return bool(await conn.fetchval("SELECT 1 FROM accounts WHERE firm_id = $1", firm))

    await wait_until(account)
    return firm, client, made[0]


async def _publish(bus: Bus, envelope: Envelope) -> None:
    import aio_pika

    message = aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.id))
    await bus.publish(bus.names.events, envelope.type, message)


async def _upload_and_kill(process, port: int, folder: str, owner: dict) -> float:  # type: ignore[no-untyped-def]
    """Stream until ~150 MB are sent, sampling the server's RSS; then SIGKILL it."""
    sent, peak = [0], 0.0

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, rss_mb(process.pid))
            if sent[0] >= 150 * MIB:
                process.send_signal(signal.SIGKILL)
                return
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    headers = {**owner, "Content-Length": str(SIZE)}
    try:
        async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}/api/v1/folders/{folder}/documents",
            params={"name": "big.pdf"}, data=body(sent), headers=headers,
        ) as response:  # fmt: skip
            raise AssertionError(f"upload finished with {response.status}")
    except aiohttp.ClientError:
        pass
    await sampler
    await process.wait()
    return peak
