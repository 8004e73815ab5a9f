"""One trace for one upload, from the gateway's request id to the SMTP send, and a caller's
`traceparent` that cannot make the platform trace more than its configured ratio. The traced
platform runs in a process of its own (tests/support/traced.py): tracing is process-wide."""

import asyncio
import json
import sys
from dataclasses import asdict
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from yarl import URL

from shared.telemetry import PortalSampler, span_url
from tests.support.services import Environment
from tests.support.traced import CALLER_TRACE, UPLOAD_REQUEST_ID

Span = dict[str, Any]


async def traced(mode: str, env: Environment) -> list[Span]:
    config = {k: v for k, v in asdict(env).items() if k != "new_database"}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.traced", mode, json.dumps(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(child.communicate(), 150)
    assert child.returncode == 0, err.decode()[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1])


def one(spans: list[Span], name: str, **attributes: str) -> Span:
    found = [
        s for s in spans
        if s["name"] == name and attributes.items() <= s["attributes"].items()
    ]  # fmt: skip
    assert len(found) == 1, f"{len(found)} spans {name} {attributes}: {[s['name'] for s in spans]}"
    return found[0]


def below(spans: list[Span], ancestor: Span, span: Span) -> bool:
    by_id = {s["span_id"]: s for s in spans}
    while span["parent_id"] in by_id:
        span = by_id[span["parent_id"]]
        if span is ancestor:
            return True
    return False


async def test_one_upload_is_one_trace_down_to_the_smtp_send(env: Environment) -> None:
    spans = [s for s in await traced("upload", env) if s["trace_id"] == CALLER_TRACE]

    # The caller's trace id is kept (it finds its trace) though it said "not sampled".
    http = one(spans, "POST /api/v1/folders/{folder_id}/documents")
    assert http["kind"] == "SERVER"
    assert http["attributes"]["portal.request_id"] == UPLOAD_REQUEST_ID
    assert http["parent_id"] == "00f067aa0ba902b7"

    stored = [s for s in spans if s["name"].startswith("S3 ")]
    assert stored
    assert all(below(spans, http, s) for s in stored)

    rpc = one(spans, "rpc billing.reserve_storage")
    assert below(spans, http, rpc)
    served = one(spans, "serve billing.reserve_storage")
    assert below(spans, rpc, served)

    namespace = env.namespace
    published = one(spans, f"{namespace}portal.events,documents.document.uploaded send")
    assert published["parent_id"] == http["span_id"]  # staged in the request's transaction
    consumed = one(spans, "consume documents.document.uploaded",
                   **{"messaging.destination.name": f"{namespace}notify.events"})  # fmt: skip
    assert consumed["parent_id"] == published["span_id"]
    sent = one(spans, "smtp send", **{"notify.kind": "document_uploaded"})
    assert sent["parent_id"] == consumed["span_id"]
    assert sent["attributes"]["smtp.reply_code"] == "250"

    sql = [s for s in spans if s["attributes"].get("db.system") == "postgresql"]
    assert any(below(spans, http, s) for s in sql)
    assert any(below(spans, consumed, s) for s in sql)


async def test_a_callers_sampled_flag_does_not_make_a_trace(env: Environment) -> None:
    """At ratio 0 nothing is traced, whatever the caller's traceparent says."""
    assert await traced("sampling", env) == []


def _remote(sampled: bool) -> Context:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    parent = SpanContext(int(CALLER_TRACE, 16), 0x00F067AA0BA902B7, True, flags)
    return trace.set_span_in_context(NonRecordingSpan(parent), Context())


def test_the_sampler_follows_our_bus_but_not_an_http_caller() -> None:
    never, always = PortalSampler(0.0), PortalSampler(1.0)
    http = {"http.method": "GET"}
    trace_id = int(CALLER_TRACE, 16)

    def decide(sampler: PortalSampler, parent: Context | None, kind: SpanKind, attrs: Any) -> Any:
        return sampler.should_sample(parent, trace_id, "span", kind, attrs).decision

    assert decide(never, _remote(True), SpanKind.SERVER, http) == Decision.DROP
    assert decide(always, _remote(False), SpanKind.SERVER, http) == Decision.RECORD_AND_SAMPLE
    # A message of our own bus carries our own decision.
    assert decide(never, _remote(True), SpanKind.CONSUMER, {}) == Decision.RECORD_AND_SAMPLE
    assert decide(always, _remote(False), SpanKind.CONSUMER, {}) == Decision.DROP
    # A background loop's statements are no trace of their own.
    sql = {"db.system": "postgresql"}
    assert decide(always, None, SpanKind.CLIENT, sql) == Decision.DROP


def test_a_called_urls_query_stays_out_of_its_span() -> None:
    """A presigned S3 link (signing fetches documents' bytes by one) is a credential: SigV4's
    signature is a query parameter the instrumentation does not redact by itself."""
    link = URL("http://127.0.0.1:8333/bucket/key?X-Amz-Credential=a&X-Amz-Signature=b#x")
    assert span_url(link) == "http://127.0.0.1:8333/bucket/key"
