"""Signing: sealing a 10-, 200- and 1,000-page PDF through the service's code (audit page in
Unicode fonts with a drawn signature, PAdES with an RFC 3161 timestamp and the CA's CRL embedded:
B-LT) vs. pyHanko signing the same file directly with the same timestamp and validation data,
in the same run, against a local test CA and TSA over HTTP; and completed signings per minute
with 3 parallel `click` signers through HTTP, the bus, billing and a documents stand-in.

`python -m bench.signing [--signings N] [--in-flight N] [--seal-only]` starts what it needs:
scratch databases on 127.0.0.1:5432, a bus namespace on the local broker, a SeaweedFS S3 server,
the signing and billing apps and the documents RPC stand-in in this process; it removes them at
the end. The last line printed is the JSON result.
"""

import argparse
import asyncio
import io
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator import ValidationContext

from bench.support import AMQP_URL, scratch_database, scratch_namespace
from deploy.local.s3 import S3Server
from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.signing.app import create_app as signing_app
from services.signing.certificates import Sealer, certificates, file_signer
from services.signing.sealing import Certificate, EventLine, PartyLine, render_certificate, seal
from services.signing.settings import SigningSettings
from services.signing.timestamps import TimestampAuthorities, timestamper
from shared.bus import Bus, BusNames
from shared.bus.topology import declare_exchanges
from shared.database import KIT_MIGRATIONS, Database, migrate
from shared.events.base import Envelope
from shared.events.identity import FirmCreated
from tests.signing.integration.documents_double import DocumentsDouble
from tests.signing.pdfs import make_pdf
from tests.signing.trust import TestPki
from tests.signing.unit.test_evidence import NAMES, drawn_png
from tests.support.services import serve
from tests.support.tokens import JwksServer, mint

REPEATS = 9


def _certificate() -> Certificate:
    at = datetime.now(UTC)
    people = [(NAMES[i], f"s{i}@example.se") for i in (0, 3, 5)]  # Latin, Arabic, CJK
    parties = [PartyLine(n, e, "signer", "click", "signed", at, "10.0.0.1", drawn_png(0))
               for n, e in people]  # fmt: skip
    events = [EventLine(at, a, n, "click", "10.0.0.1", "bench") for n, _ in people
              for a in ("invited", "viewed", "signed")]  # fmt: skip
    return Certificate("sv", str(uuid.uuid4()), "Avtal.pdf", "ab" * 32, at, parties, events)


CERTIFICATE = _certificate()  # the request's facts, as completion gathers them before sealing


def _through_service(pdf: bytes, sealer: Sealer) -> None:
    seal(io.BytesIO(pdf), render_certificate(CERTIFICATE), sealer, io.BytesIO())


def _direct(pdf: bytes, sealer: Sealer) -> None:
    """pyHanko alone, asked for the same: PAdES, a timestamp from the same TSA, validation data
    fetched from the same CA."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    context = ValidationContext(
        trust_roots=list(sealer.trust_roots), allow_fetching=True, revocation_mode="hard-fail"
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Seal", subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True, validation_context=context,
    )  # fmt: skip
    assert isinstance(sealer.timestamper, TimestampAuthorities)
    stamps = sealer.timestamper.authorities[0]  # pyHanko's own HTTP client of the same TSA
    signers.sign_pdf(writer, meta, signer=sealer.signer, timestamper=stamps, output=io.BytesIO())


def _ms(work: Any, pdf: bytes, sealer: Sealer) -> tuple[float, float]:
    """Wall and CPU milliseconds of one seal. The CPU time is the process's (the test CA and
    TSA answer from a thread of it, for both sides alike): on a shared machine it moves less
    with the other processes' load than the wall time does."""
    wall, cpu = time.perf_counter(), time.process_time()
    work(pdf, sealer)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _medians_ms(pdf: bytes, sealer: Sealer) -> dict[str, float]:
    """Medians of the service's and pyHanko's wall and CPU times, the two taken in turn so that
    both see the same load."""
    _through_service(pdf, sealer), _direct(pdf, sealer)  # warm-up
    times: dict[str, list[float]] = {"ours": [], "ours_cpu": [], "direct": [], "direct_cpu": []}
    for _ in range(REPEATS):
        for name, work in (("ours", _through_service), ("direct", _direct)):
            wall, cpu = _ms(work, pdf, sealer)
            times[name].append(wall)
            times[f"{name}_cpu"].append(cpu)
    return {name: statistics.median(values) for name, values in times.items()}


def seal_ratios() -> dict[str, float]:
    pki, result = TestPki().start(), {}
    try:
        signer = file_signer(*pki.sealing_pair())
        assert signer.signing_cert is not None
        roots = tuple(certificates(pki.root_pem.encode()))
        sealer = Sealer(signer, signer.signing_cert, timestamper([pki.tsa_url], 10), roots)
        for pages in (10, 200, 1000):
            m = _medians_ms(make_pdf(pages), sealer)
            print(f"seal {pages} pages (B-LT): service {m['ours']:.1f} ms "
                  f"(CPU {m['ours_cpu']:.1f}), pyHanko direct {m['direct']:.1f} ms "
                  f"(CPU {m['direct_cpu']:.1f})")  # fmt: skip
            result[f"seal_ratio_{pages}"] = round(m["ours"] / m["direct"], 3)
            result[f"seal_cpu_ratio_{pages}"] = round(m["ours_cpu"] / m["direct_cpu"], 3)
    finally:
        pki.stop()
    return result


class Links:
    """Signing links sent to notify's command queue, by email."""

    def __init__(self) -> None:
        self.by_email: dict[str, asyncio.Future[str]] = {}

    def wait(self, email: str) -> asyncio.Future[str]:
        return self.by_email.setdefault(email, asyncio.get_running_loop().create_future())

    async def on(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        body = json.loads(message.body)
        if body["type"] == "notify.send_signing_invitation":
            future = self.wait(body["data"]["email"])
            if not future.done():
                future.set_result(body["data"]["link"].split("#token=", 1)[1])


@asynccontextmanager
async def platform(stack: AsyncExitStack, ns: str, s3: S3Server) -> AsyncIterator[Any]:
    jwks = JwksServer()
    await jwks.start()
    stack.push_async_callback(jwks.stop)
    common = {"amqp_url": AMQP_URL, "bus_namespace": ns, "jwks_url": jwks.url}
    store = {
        "s3_endpoint": s3.endpoint, "s3_access_key": s3.access_key,
        "s3_secret_key": s3.secret_key, "s3_bucket": f"bench-{uuid.uuid4().hex[:8]}",
    }  # fmt: skip
    signing_db = await stack.enter_async_context(scratch_database("signing"))
    billing_db = await stack.enter_async_context(scratch_database("billing"))
    docs_db = await stack.enter_async_context(scratch_database("docs"))
    await migrate(docs_db, [("kit", KIT_MIGRATIONS)])
    kit = await Database.connect(docs_db)
    stack.push_async_callback(kit.close)
    documents = DocumentsDouble(s3.client(), store["s3_bucket"] + "-docs")
    await documents.start(AMQP_URL, BusNames(ns), kit)
    stack.push_async_callback(documents.stop)
    billing = await stack.enter_async_context(
        serve(billing_app(BillingSettings(database_url=billing_db, **common)))
    )
    settings = SigningSettings(database_url=signing_db, database_pool_max=20, **common, **store)
    signing = await stack.enter_async_context(serve(signing_app(settings)))
    yield jwks, documents, billing, signing


async def capture(stack: AsyncExitStack, ns: str) -> Links:
    connection = await aio_pika.connect(AMQP_URL)
    stack.push_async_callback(connection.close)
    channel = await connection.channel()
    names = BusNames(ns)
    await declare_exchanges(channel, names)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(names.commands, routing_key="notify")
    links = Links()
    await queue.consume(links.on, no_ack=True)
    return links


async def open_firm(ns: str, billing: Any, jwks: JwksServer) -> tuple[uuid.UUID, dict[str, str]]:
    firm = uuid.uuid4()
    event = FirmCreated(firm_id=firm, name="Bench AB", country="SE", plan="bureau",
                        default_language="sv", owner_id=uuid.uuid4())  # fmt: skip
    bus = Bus(AMQP_URL, BusNames(ns), name="bench")
    await bus.start()
    envelope = Envelope.wrap(event, firm_id=firm, actor=None)
    message = aio_pika.Message(envelope.model_dump_json().encode(), message_id=str(envelope.id))
    await bus.publish(bus.names.events, envelope.type, message)
    await bus.stop()
    headers = {"Authorization": f"Bearer {mint(jwks.keys[0], firm_id=firm)}"}
    for _ in range(100):
        bought = await billing.http.post(
            "/api/v1/billing/credit-purchases", json={"pack": "100"}, headers=headers
        )
        if bought.status == 201:
            return firm, headers
        await asyncio.sleep(0.1)
    raise RuntimeError("billing never opened the bench firm's account")


async def one_signing(ctx: Any, firm: uuid.UUID, headers: dict[str, str]) -> None:
    _, documents, _, signing, links = ctx
    document = await documents.add(firm, uuid.uuid4(), make_pdf(10))
    emails = [f"{uuid.uuid4().hex[:10]}@example.se" for _ in range(3)]
    parties = [{"name": f"Signer {i}", "email": e} for i, e in enumerate(emails)]
    body = {"document_id": str(document), "language": "sv", "parties": parties}
    created = await (await signing.http.post("/api/v1/signings", json=body, headers=headers)).json()
    sent = await signing.http.post(f"/api/v1/signings/{created['id']}/send", headers=headers)
    assert sent.status == 200, await sent.text()
    tokens = await asyncio.gather(*(links.wait(e) for e in emails))
    answers = await asyncio.gather(
        *(signing.http.post(f"/api/v1/sign/{t}/sign", json={}) for t in tokens)
    )
    states = [(await a.json())["request_state"] for a in answers]
    assert "completed" in states, states


async def throughput(ctx: Any, count: int, in_flight: int) -> float:
    jwks, _, billing, _, _ = ctx
    firm, headers = await open_firm(NS[0], billing, jwks)
    gate = asyncio.Semaphore(in_flight)

    async def run() -> None:
        async with gate:
            await one_signing(ctx, firm, headers)

    start = time.perf_counter()
    await asyncio.gather(*(run() for _ in range(count)))
    elapsed = time.perf_counter() - start
    print(f"{count} signings (3 parallel click signers each) in {elapsed:.1f} s")
    return round(count / elapsed * 60, 1)


NS: list[str] = []


async def completions(count: int, in_flight: int) -> float:
    async with scratch_namespace("signing") as ns:
        NS.append(ns)
        return await _completions(ns, count, in_flight)


async def _completions(ns: str, count: int, in_flight: int) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as tmp:
        s3 = S3Server.start(Path(tmp) / "s3", access_key="bench", secret_key="bench-secret-key",
                            log=Path(tmp) / "s3.log")  # fmt: skip
        try:
            async with AsyncExitStack() as stack:
                links = await capture(stack, ns)
                async with platform(stack, ns, s3) as (jwks, documents, billing, signing):
                    ctx = (jwks, documents, billing, signing, links)
                    per_min = await throughput(ctx, count, in_flight)
        finally:
            s3.stop()
    return per_min


def main(count: int, in_flight: int, seal_only: bool) -> dict[str, object]:
    # pyHanko's synchronous sign_pdf runs its own event loop: measure before ours starts.
    ratios = seal_ratios()
    if seal_only:
        return {"bench": "signing", **ratios}
    per_min = asyncio.run(completions(count, in_flight))
    return {"bench": "signing", **ratios, "completed_per_min": per_min}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--signings", type=int, default=40)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--seal-only", action="store_true", help="only the seal ratios")
    args = parser.parse_args()
    print(json.dumps(main(args.signings, args.in_flight, args.seal_only)))
