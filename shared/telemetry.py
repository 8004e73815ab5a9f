"""OpenTelemetry: one tracer provider per process, W3C context carried through AMQP headers.

The instrumentations of aiohttp (server and client), asyncpg and aio-pika make the spans of
HTTP requests, SQL statements and AMQP publishes and deliveries; the kit adds what they cannot
see: the outbox (a message is published in the trace that staged it), RPC calls and serving,
notify's SMTP sends, S3 calls.
"""

import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from yarl import URL

tracer = trace.get_tracer("portal")

# Attributes by which a span is known, under the current and the older conventions.
HTTP_METHOD = ("http.request.method", "http.method")
DB_SYSTEM = ("db.system.name", "db.system")


class PortalSampler(Sampler):
    """Parent-based with a ratio at the root, except where the parent is not ours to trust.

    - An HTTP request's `traceparent` comes from whoever called: kept, so a caller can find
      its trace, but it decides nothing. Honouring its sampled flag would let anyone have
      every request traced (tracing costs about 3x per request), and a ratio on its trace id
      would too, as the caller picks the id. A fresh draw at the configured ratio decides.
    - A statement with no span around it is a background loop polling (the outbox relay, the
      delivery worker, jobs): dropped, or each poll would be a trace of its own.
    Messages on our own bus carry our own services' decisions, which are followed."""

    def __init__(self, ratio: float) -> None:
        self.ratio = ratio
        self._within = ParentBased(TraceIdRatioBased(ratio))

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if kind == SpanKind.SERVER and parent.is_remote and _is_http(attributes):
            sampled = random.random() < self.ratio
            decision = Decision.RECORD_AND_SAMPLE if sampled else Decision.DROP
            return SamplingResult(decision, attributes if sampled else None, parent.trace_state)
        if not parent.is_valid and _is_sql(attributes):
            return SamplingResult(Decision.DROP)
        return self._within.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"PortalSampler{{{self.ratio}}}"


def _is_http(attributes: Attributes) -> bool:
    return bool(attributes) and any(key in attributes for key in HTTP_METHOD)  # type: ignore[operator]


def _is_sql(attributes: Attributes) -> bool:
    return bool(attributes) and any(key in attributes for key in DB_SYSTEM)  # type: ignore[operator]


def setup_tracing(
    service: str, exporter: str, sample_ratio: float, *, span_exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """Install the process's tracer provider and the instrumentations, before any app is
    built (the aiohttp one adds its middleware to applications created afterwards). `none`
    leaves the no-op default and no instrumentation: nothing is traced, nothing costs."""
    if exporter == "none" and span_exporter is None:
        return None
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=PortalSampler(sample_ratio)
    )
    provider.add_span_processor(BatchSpanProcessor(span_exporter or _exporter(exporter)))
    trace.set_tracer_provider(provider)
    AioHttpServerInstrumentor().instrument(tracer_provider=provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider, url_filter=span_url)
    AsyncPGInstrumentor().instrument(tracer_provider=provider)
    AioPikaInstrumentor().instrument(tracer_provider=provider)
    return provider


def span_url(url: URL) -> str:
    """A URL we call, as a span may hold it: a presigned S3 link's query is a credential (the
    instrumentation redacts older signatures' parameters, not SigV4's `X-Amz-Signature`)."""
    return str(url.with_query(None).with_fragment(None))


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def inject_headers() -> dict[str, str]:
    """The current trace context as W3C headers (`traceparent`, `tracestate`)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, Any] | None) -> Context:
    """The trace context in `headers` alone (nothing of the current context mixed in)."""
    carrier = {
        k: v.decode() if isinstance(v, bytes) else str(v) for k, v in (headers or {}).items()
    }
    return propagate.extract(carrier, context=Context())


@contextmanager
def continued(headers: Mapping[str, Any] | None) -> Iterator[None]:
    """Run the block in the trace whose context `headers` carry (a staged message, a queued
    email): what it does is part of the request that queued it."""
    token = otel_context.attach(extract_context(headers))
    try:
        yield
    finally:
        otel_context.detach(token)


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
