"""OpenTelemetry: one tracer provider per process, W3C context carried through AMQP headers."""

from collections.abc import Mapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

tracer = trace.get_tracer("portal")


def setup_tracing(service: str, exporter: str, sample_ratio: float) -> TracerProvider | None:
    """Install the process's tracer provider; `none` leaves the no-op default in place."""
    if exporter == "none":
        return None
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    provider.add_span_processor(BatchSpanProcessor(_exporter(exporter)))
    trace.set_tracer_provider(provider)
    return provider


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
    carrier = {
        k: v.decode() if isinstance(v, bytes) else str(v) for k, v in (headers or {}).items()
    }
    return propagate.extract(carrier)


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
