"""A server span per HTTP request, continuing the caller's W3C trace context. Its path goes in
redacted: a span is exported to wherever traces are kept, like a log line."""

from typing import Any

from aiohttp import web
from opentelemetry import trace

from shared.logs import redact_path
from shared.telemetry import extract_context, tracer


@web.middleware
async def tracing(request: web.Request, handler: Any) -> web.StreamResponse:
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    with tracer.start_as_current_span(
        f"{request.method} {route}",
        context=extract_context(request.headers),
        kind=trace.SpanKind.SERVER,
        attributes={
            "http.request.method": request.method,
            "http.route": route,
            "url.path": redact_path(request.path),
        },
    ) as span:
        response = await handler(request)
        span.set_attribute("http.response.status_code", response.status)
        return response
