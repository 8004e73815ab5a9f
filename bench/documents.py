"""Documents benchmark: `python -m bench.documents`.

Starts what it needs itself (SeaweedFS, scratch databases, billing and documents as processes
of their own, as deployed, nginx with the gateway template if installed) and measures, in the
same run:
- upload and download of 100 MB and 1 GB (generated on the fly) through the service, direct
  and via the gateway, against a direct `minio` put/get of the same bytes to the same S3;
  downloads both streamed through the service and by its 302 to a presigned URL;
- the documents process's RSS while it streams;
- folder listing as a contact with a restricted audience, 10,000 documents in 200 folders,
  against the bare SQL the listing runs.
`--listing` measures the listing alone (no S3 transfers, no gateway).
Last line: one JSON object.
"""

import argparse
import asyncio
import gc
import io
import json
import os
import shutil
import string
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import aio_pika
import aiohttp
import urllib3

from bench.support import (
    AMQP_URL,
    ServiceProcess,
    percentile,
    scratch_database,
    scratch_namespace,
    service_processes,
)
from deploy.local.ports import free_port
from deploy.local.s3 import S3Server
from services.billing.settings import BillingSettings
from services.documents.settings import DocumentsSettings
from shared.bus import Bus, BusNames
from shared.database import Database
from shared.events.base import Envelope, Event
from shared.events.identity import (
    ClientCreated,
    ContactCreated,
    ContactLinked,
    FirmCreated,
    PortalAccessGranted,
)
from tests.support.tokens import JwksServer, mint

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[1]
BLOCK = b"%PDF-1.7\n" + os.urandom(MIB - 9)
ROUNDS = 3  # each transfer, paired with its baseline; the median ratio is reported


class Stream(io.RawIOBase):
    """`size` bytes of BLOCK repeated, read like a file (for minio's put_object)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = (BLOCK * (n // MIB + 1))[:n] if n > MIB else BLOCK[:n]
        self.left -= len(out)
        return out


async def body(size: int) -> AsyncIterator[bytes]:
    left = size
    while left:
        chunk = BLOCK[: min(MIB, left)]
        left -= len(chunk)
        yield chunk


class Sampler:
    """The peak RSS of a process, sampled every 50 ms."""

    def __init__(self, service: ServiceProcess) -> None:
        self.service = service
        self.peak = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.service.rss_mb())
            await asyncio.sleep(0.05)

    def __enter__(self) -> "Sampler":
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def timed(coro: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await coro
    return time.perf_counter() - start, result


async def direct_put(settings: DocumentsSettings, s3: S3Server, size: int) -> str:
    key = f"direct/{uuid.uuid4()}"
    await asyncio.to_thread(
        s3.client().put_object, settings.bucket, key, Stream(size), size,
        part_size=settings.part_size_bytes,
    )  # fmt: skip
    return key


async def remove(
    settings: DocumentsSettings, s3: S3Server, key: str, base: str, document: str,
    headers: dict[str, str],
) -> None:  # fmt: skip
    """A round's bytes go again, so that rounds neither fill the quota nor the disk."""
    await asyncio.to_thread(s3.client().remove_object, settings.bucket, key)
    async with aiohttp.ClientSession() as http, http.delete(
        f"{base}/api/v1/documents/{document}", headers=headers
    ) as response:  # fmt: skip
        assert response.status == 204


async def direct_get(settings: DocumentsSettings, s3: S3Server, key: str) -> int:
    def read() -> int:
        response = s3.client().get_object(settings.bucket, key)
        total = 0
        for chunk in response.stream(MIB):
            total += len(chunk)
        response.close()
        response.release_conn()
        return total

    return await asyncio.to_thread(read)


async def service_put(base: str, folder: str, headers: dict[str, str], size: int) -> str:
    async with aiohttp.ClientSession() as http, http.post(
        f"{base}/api/v1/folders/{folder}/documents",
        params={"name": f"{uuid.uuid4().hex}.pdf"}, data=body(size),
        headers={**headers, "Content-Length": str(size)},
    ) as response:  # fmt: skip
        document = await response.json()
        assert response.status == 201, document
        return str(document["id"])


async def service_get(
    base: str, document: str, headers: dict[str, str], *, redirect: bool = False
) -> int:
    """Read as `direct_get` reads from S3 (urllib3, the client under minio, in a thread), so
    that the two differ by the service alone and not by the client library. With `redirect`
    the service answers 302 to a presigned URL, which urllib3 follows (without our token)."""
    url = f"{base}/api/v1/documents/{document}/content" + ("?redirect=true" if redirect else "")

    def read() -> int:
        response = urllib3.request("GET", url, headers=headers, preload_content=False)
        assert response.status == 200
        total = sum(len(chunk) for chunk in response.stream(MIB))
        response.release_conn()
        return total

    return await asyncio.to_thread(read)


def start_gateway(
    workdir: Path, documents_port: int, s3_endpoint: str
) -> tuple[subprocess.Popen[bytes], int] | None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    template = ROOT / "deploy" / "gateway" / "nginx.conf.template"
    if not Path(nginx).exists() or not template.exists():
        return None
    port = free_port()
    upstreams = {
        f"{s}_UPSTREAM": f"127.0.0.1:{documents_port}"
        for s in ("IDENTITY", "DOCUMENTS", "SIGNING", "NOTIFY", "BILLING")
    }
    config = string.Template(template.read_text()).safe_substitute(
        GATEWAY_PORT=str(port),
        S3_UPSTREAM=s3_endpoint,
        GATEWAY_TRUSTED_PROXY="127.0.0.1/32",
        GATEWAY_HSTS="",
        GATEWAY_AUTH_RATE="10r/s",
        API_ROOT=str(ROOT / "docs"),
        **upstreams,
    )
    prefix = workdir / "gateway"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    (prefix / "nginx.conf").write_text(config)
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(0.5)
    return process, port


async def publish(bus: Bus, event: Event, firm_id: uuid.UUID) -> None:
    envelope = Envelope.wrap(event, firm_id=firm_id, actor=None)
    message = aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.id))
    await bus.publish(bus.names.events, envelope.type, message)


async def wait_for(db: Any, query: str, *args: Any) -> None:
    for _ in range(400):
        async with db.transaction() as conn:
            if await conn.fetchval(query, *args):
                return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {query}")


def sizes() -> Iterator[tuple[str, int]]:
    yield "100MB", 100 * 10**6
    yield "1GB", 10**9


class World:
    """A firm with a client, a restricted-audience contact, and an upload folder."""

    def __init__(self, jwks: JwksServer) -> None:
        self.firm, self.client, self.contact = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        self.owner = {"Authorization": "Bearer " + mint(jwks.keys[0], firm_id=self.firm)}
        contact_token = mint(
            jwks.keys[0], sub=self.contact, firm_id=self.firm, kind="contact", role=None,
            client_id=str(self.client),
        )  # fmt: skip
        self.as_contact = {"Authorization": f"Bearer {contact_token}"}

    async def create(self, bus: Bus, documents_db: Any, billing_db: Any) -> None:
        events: list[Event] = [
            FirmCreated(firm_id=self.firm, name="Bench", country="SE", plan="bureau",
                        default_language="sv", owner_id=uuid.uuid4()),
            ClientCreated(client_id=self.client, kind="company", name="C",
                          organisation_number=None),
            ContactCreated(contact_id=self.contact, first_name="B", last_name="C", email=None,
                           phone=None, language="sv"),
            ContactLinked(contact_id=self.contact, client_id=self.client, roles=["employee"],
                          primary=False),
            PortalAccessGranted(contact_id=self.contact, invitation_send_at=None),
        ]  # fmt: skip
        for event in events:
            await publish(bus, event, self.firm)
        await wait_for(billing_db, "SELECT 1 FROM accounts WHERE firm_id = $1", self.firm)
        await wait_for(
            documents_db, "SELECT 1 FROM contacts WHERE contact_id = $1 AND portal_access",
            self.contact,
        )  # fmt: skip
        await wait_for(documents_db, "SELECT 1 FROM relationships WHERE contact_id = $1",
                       self.contact)  # fmt: skip

    async def fill_listing(self, db: Any) -> None:
        """200 folders (the contact is in the audience of half), 50 documents each."""
        async with db.transaction() as conn:
            await conn.execute(
                """INSERT INTO folders (id, firm_id, client_id, name, level, audience_all, audience)
                   SELECT gen_random_uuid(), $1, $2, 'folder-' || i, 'read', false,
                          CASE WHEN i % 2 = 0 THEN ARRAY[$3::uuid, gen_random_uuid()]
                               ELSE ARRAY[gen_random_uuid()] END
                     FROM generate_series(1, 200) i""",
                self.firm, self.client, self.contact,
            )  # fmt: skip
            await conn.execute(
                """INSERT INTO documents (id, firm_id, client_id, folder_id, name, created_by,
                                         created_by_kind, size, version_count)
                   SELECT gen_random_uuid(), $1, $2, f.id, 'doc-' || i || '.pdf', $1, 'staff',
                          1000 + i, 1
                     FROM folders f, generate_series(1, 50) i
                    WHERE f.client_id = $2 AND f.name LIKE 'folder-%'""",
                self.firm, self.client,
            )  # fmt: skip
            await conn.execute("ANALYZE folders")
        # The steady state of a table this size: autovacuum has marked its pages all-visible,
        # so the folder totals come from the covering index alone.
        async with db.pool.acquire() as conn:
            await conn.execute("VACUUM ANALYZE documents")


async def bare_listing(db: Any, world: World) -> None:
    """The statement a contact's listing runs and the rule it filters the rows by, with no
    HTTP, token or answer around them."""
    from services.documents import domain
    from services.documents.store import folders

    standing, rows = await db.read(
        lambda conn: folders.list_folders_with_standing(
            conn, world.firm, world.client, world.contact
        )
    )
    assert standing is not None
    visible = [
        r for r in rows
        if domain.contact_sees_folder(domain.Rules(
            r["level"], r["audience_all"], frozenset(r["audience"]), r["primary_manages"]
        ), standing)
    ]  # fmt: skip
    assert len(visible) == 100


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (less noisy than latency on a busy box)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def listing(
    base: str, world: World, db: Any, service: ServiceProcess, n: int = 300
) -> dict[str, float]:
    http_ms, sql_ms = [], []
    # As the services do at start (shared.service.run): a full collection that walks every
    # loaded library would otherwise land in the baseline's tail now and then.
    gc.collect()
    gc.freeze()
    async with aiohttp.ClientSession() as http:
        url = f"{base}/api/v1/clients/{world.client}/folders"
        async with http.get(url, headers=world.as_contact) as response:
            seen = len((await response.json())["folders"])
        assert seen == 100, seen
        cpu_before = cpu_seconds(service.process.pid)
        for _ in range(n):
            start = time.perf_counter()
            async with http.get(url, headers=world.as_contact) as response:
                await response.read()
            http_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await bare_listing(db, world)
            sql_ms.append((time.perf_counter() - start) * 1000)
        service_cpu_ms = (cpu_seconds(service.process.pid) - cpu_before) * 1000 / n
    return {
        "service_cpu_ms_per_listing": service_cpu_ms,
        "listing_p50_ms": percentile(http_ms, 0.5), "listing_p99_ms": percentile(http_ms, 0.99),
        "sql_p50_ms": percentile(sql_ms, 0.5), "sql_p99_ms": percentile(sql_ms, 0.99),
    }  # fmt: skip


@dataclass(frozen=True)
class Service:
    """A service process and this benchmark's own pool on its database."""

    process: ServiceProcess
    db: Database
    settings: DocumentsSettings | BillingSettings


async def transfer(
    label: str, base: str, world: World, documents: Service, s3: S3Server
) -> dict[str, Any]:
    folder = await make_folder(base, world)
    out: dict[str, Any] = {}
    for name, size in sizes():
        rounds = [await one_round(folder, base, world, documents, s3, size) for _ in range(ROUNDS)]

        def middle(what: str, rounds: list[dict[str, float]] = rounds) -> float:
            return median(r[what] for r in rounds)

        out[name] = {
            "upload_mb_s": round(size / MIB / middle("service_up"), 1),
            "direct_upload_mb_s": round(size / MIB / middle("direct_up"), 1),
            "upload_ratio": round(middle("upload_ratio"), 3),
            "download_mb_s": round(size / MIB / middle("service_down"), 1),
            "direct_download_mb_s": round(size / MIB / middle("direct_down"), 1),
            "download_ratio": round(middle("download_ratio"), 3),
            "redirect_download_ratio": round(middle("redirect_ratio"), 3),
            "rss_growth_mb": round(max(r["rss_growth"] for r in rounds), 1),
            "peak_rss_mb": round(max(r["peak_rss"] for r in rounds), 1),
        }
        print(label, name, json.dumps(out[name]), flush=True)
    return out


async def one_round(
    folder: str, base: str, world: World, documents: Service, s3: S3Server, size: int
) -> dict[str, float]:
    """Each way through the service right after the same bytes directly, so that both meet
    the same moment of a noisy machine; the ratios are taken per round."""
    settings = documents.settings
    assert isinstance(settings, DocumentsSettings)
    direct_up, direct_key = await timed(direct_put(settings, s3, size))
    with Sampler(documents.process) as sampler:
        before = documents.process.rss_mb()
        service_up, document = await timed(service_put(base, folder, world.owner, size))
    key = await object_key(documents.db, document)
    direct_down, _ = await timed(direct_get(settings, s3, key))
    service_down, got = await timed(service_get(base, document, world.owner))
    assert got == size
    redirected, _ = await timed(service_get(base, document, world.owner, redirect=True))
    await remove(settings, s3, direct_key, base, document, world.owner)
    return {
        "direct_up": direct_up, "service_up": service_up, "upload_ratio": direct_up / service_up,
        "direct_down": direct_down, "service_down": service_down,
        "download_ratio": direct_down / service_down, "redirect_ratio": direct_down / redirected,
        "rss_growth": sampler.peak - before, "peak_rss": sampler.peak,
    }  # fmt: skip


async def make_folder(base: str, world: World) -> str:
    async with aiohttp.ClientSession() as http, http.post(
        f"{base}/api/v1/clients/{world.client}/folders",
        json={"name": f"bench-{uuid.uuid4().hex[:6]}"}, headers=world.owner,
    ) as response:  # fmt: skip
        return str((await response.json())["id"])


async def object_key(db: Database, document: str) -> str:
    async with db.transaction() as conn:
        return await conn.fetchval(
            "SELECT object_key FROM versions WHERE document_id = $1", uuid.UUID(document)
        )


async def main(listing_only: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        workdir = Path(tmp)
        s3 = S3Server.start(workdir / "s3", access_key="bench", secret_key="bench-secret",
                            log=workdir / "s3.log")  # fmt: skip
        try:
            await run(workdir, s3, listing_only)
        finally:
            s3.stop()


async def run(workdir: Path, s3: S3Server, listing_only: bool) -> None:
    jwks = JwksServer()
    await jwks.start()
    async with (
        scratch_namespace("documents") as ns,
        scratch_database("documents") as ddsn,
        scratch_database("billing") as bdsn,
    ):
        common = {"amqp_url": AMQP_URL, "bus_namespace": ns, "jwks_url": jwks.url}
        bsettings = BillingSettings(database_url=bdsn, **common)
        dsettings = DocumentsSettings(
            database_url=ddsn, s3_endpoint=s3.endpoint, s3_access_key=s3.access_key,
            s3_secret_key=s3.secret_key, s3_bucket="bench-documents", **common,
        )  # fmt: skip
        results = await serve_and_measure(workdir, s3, jwks, bsettings, dsettings, listing_only)
    await jwks.stop()
    summary = {"bench": "documents", **transfer_summary(results), **listing_summary(results)}
    print(json.dumps(results))
    print(json.dumps(summary))


def transfer_summary(results: dict[str, Any]) -> dict[str, Any]:
    if "direct" not in results:
        return {}
    return {
        "upload_ratio": results["direct"]["1GB"]["upload_ratio"],
        "download_ratio": results["direct"]["1GB"]["download_ratio"],
        "redirect_download_ratio": results["direct"]["1GB"]["redirect_download_ratio"],
        "peak_rss_mb": max(v["peak_rss_mb"] for v in results["direct"].values()),
        **gateway_ratios(results["gateway"]),
    }


def listing_summary(results: dict[str, Any]) -> dict[str, float]:
    figures = results["listing"]
    return {
        "listing_p50_ms": round(figures["listing_p50_ms"], 2),
        "listing_p99_ms": round(figures["listing_p99_ms"], 2),
        "sql_p50_ms": round(figures["sql_p50_ms"], 2),
        "sql_p99_ms": round(figures["sql_p99_ms"], 2),
        "listing_p99_ratio": round(figures["listing_p99_ms"] / figures["sql_p99_ms"], 3),
        "service_cpu_ms_per_listing": round(figures["service_cpu_ms_per_listing"], 2),
    }


def gateway_ratios(gateway: dict[str, Any] | str) -> dict[str, float]:
    if isinstance(gateway, str):
        return {}
    return {
        "gateway_upload_ratio": gateway["1GB"]["upload_ratio"],
        "gateway_download_ratio": gateway["1GB"]["download_ratio"],
    }


def environment(settings: DocumentsSettings | BillingSettings) -> dict[str, str]:
    env = {
        "DATABASE_URL": settings.database_url,
        "BUS_NAMESPACE": settings.bus_namespace,
        "JWKS_URL": settings.jwks_url,
    }
    if isinstance(settings, DocumentsSettings):
        env |= {
            "S3_ENDPOINT": settings.s3_endpoint, "S3_ACCESS_KEY": settings.s3_access_key,
            "S3_SECRET_KEY": settings.s3_secret_key, "DOCUMENTS_S3_BUCKET": settings.s3_bucket,
        }  # fmt: skip
    return env


@asynccontextmanager
async def running(settings: DocumentsSettings | BillingSettings) -> AsyncIterator[Service]:
    async with service_processes(settings.service, environment(settings)) as (process,):
        db = await Database.connect(settings.database_url)
        try:
            yield Service(process, db, settings)
        finally:
            await db.close()


async def serve_and_measure(
    workdir: Path, s3: S3Server, jwks: JwksServer, bsettings: BillingSettings,
    dsettings: DocumentsSettings, listing_only: bool,
) -> dict[str, Any]:  # fmt: skip
    async with running(bsettings) as billing, running(dsettings) as documents:
        bus = Bus(AMQP_URL, BusNames(bsettings.bus_namespace), name="bench")
        await bus.start()
        gateway = None
        try:
            world = World(jwks)
            await world.create(bus, documents.db, billing.db)
            base = documents.process.url
            results: dict[str, Any] = {}
            if not listing_only:
                results["direct"] = await transfer("direct", base, world, documents, s3)
                gateway = start_gateway(workdir, documents.process.port, s3.endpoint)
                if gateway:
                    results["gateway"] = await transfer(
                        "gateway", f"http://127.0.0.1:{gateway[1]}", world, documents, s3
                    )
                else:
                    results["gateway"] = "nginx or the gateway template is missing: direct only"
            await world.fill_listing(documents.db)
            results["listing"] = await listing(base, world, documents.db, documents.process)
            return results
        finally:
            if gateway:
                gateway[0].terminate()
                gateway[0].wait(10)
            await bus.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listing", action="store_true", help="the folder listing only")
    asyncio.run(main(parser.parse_args().listing))
