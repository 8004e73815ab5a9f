"""Prometheus metrics of one service, served on `/metrics` (ARCHITECTURE.md §9).

prometheus-client rather than OpenTelemetry's Prometheus exporter: it is Prometheus's own,
stable library (the exporter is still a 0.x beta and pins the SDK like the instrumentations
do), it writes exactly the names we give it (the exporter derives suffixes from units), and a
`CollectorRegistry` per service keeps the five services of one test process apart.

Every service has the same instruments (HTTP, bus, outbox, RPC, bytes); a service adds its
own with `counter`. Names follow Prometheus' conventions: `portal_` prefix, `_total` on
counters, the unit in the name (`_seconds`, `_bytes`). The table is in README ("Metrics").
"""

from importlib.metadata import version

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

# Without this each counter also exports a `_created` timestamp series: twice the series for
# nothing Prometheus' rate() needs.
disable_created_metrics()

CONTENT_TYPE = CONTENT_TYPE_LATEST
VERSION = version("client-portal")
# Requests, RPC calls and consumer runs: a millisecond to most of a minute.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The instruments of one service, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.build = Gauge(
            "portal_build_info", "Always 1; the labels say which code runs.", ("version",),
            registry=self.registry,
        )  # fmt: skip
        self.build.labels(VERSION).set(1)
        self.schema = Gauge(
            "portal_schema_version", "Newest migration applied to the database, by track.",
            ("track",), registry=self.registry,
        )  # fmt: skip
        self.http_requests = self.counter(
            "portal_http_requests", "HTTP requests answered.", ("method", "route", "status")
        )
        self.http_duration = Histogram(
            "portal_http_request_duration_seconds", "Time to answer an HTTP request.",
            ("method", "route"), buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.published = self.counter(
            "portal_events_published", "Messages the outbox relay published, by type.", ("type",)
        )
        self.consumed = self.counter(
            "portal_events_consumed", "Messages handled and acknowledged.", ("queue", "type")
        )
        self.failed = self.counter(
            "portal_events_failed",
            "Handler failures (each one hands the message back for a later delivery).",
            ("queue", "type"),
        )
        self.dead_lettered = self.counter(
            "portal_events_dead_lettered",
            "Messages this consumer sent to the queue's DLQ: unreadable, or out of deliveries.",
            ("queue", "type"),
        )
        self.outbox_lag = Gauge(
            "portal_outbox_lag_seconds",
            "Age of the oldest message staged and not yet published (0 when none).",
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "portal_outbox_pending_messages", "Messages staged and not yet published.",
            registry=self.registry,
        )  # fmt: skip
        self.rpc_calls = self.counter(
            "portal_rpc_client_calls", "RPC calls made, by request type and outcome.",
            ("type", "outcome"),
        )  # fmt: skip
        self.rpc_duration = Histogram(
            "portal_rpc_client_duration_seconds", "Time an RPC call took, retries included.",
            ("type", "outcome"), buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.rpc_served = self.counter(
            "portal_rpc_server_requests", "RPC requests answered, by type and outcome.",
            ("type", "outcome"),
        )  # fmt: skip
        self.uploaded = self.counter(
            "portal_uploaded_bytes", "Bytes received, stored in S3 and catalogued."
        )
        self.downloaded = self.counter(
            "portal_downloaded_bytes",
            "Bytes handed out: streamed by the service, by the gateway (X-Accel-Redirect), or "
            "by S3 (a presigned redirect).",
            ("via",),
        )

    def counter(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
        """A counter of this service (`name` without `_total`, which the exposition adds)."""
        return Counter(name, documentation, labels, registry=self.registry)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
