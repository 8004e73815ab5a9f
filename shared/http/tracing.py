"""What the server span of an HTTP request (made by OpenTelemetry's aiohttp instrumentation)
needs from us: its paths redacted, since a span is exported to wherever traces are kept like
a log line, and the gateway's request id, which ties the gateway's access log to the trace."""

from typing import Any

from aiohttp import web
from opentelemetry import trace

from shared.http.problems import REQUEST_ID_KEY
from shared.logs import redact_path

# Where the instrumentation writes the path or the URL (older and current conventions).
PATH_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.full")
REQUEST_ID_ATTRIBUTE = "portal.request_id"


@web.middleware
async def tracing(request: web.Request, handler: Any) -> web.StreamResponse:
    """Inside the problems middleware (which settles the request id), around the rest."""
    span = trace.get_current_span()
    if span.is_recording():
        written = getattr(span, "attributes", None) or {}
        for key in PATH_ATTRIBUTES:
            if key in written:
                span.set_attribute(key, redact_path(str(written[key])))
        # The current conventions' name, whichever the instrumentation is set to write.
        span.set_attribute("url.path", redact_path(request.path))
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request[REQUEST_ID_KEY])
    return await handler(request)
