"""HTTP metrics per route template (never the raw path: ids would make a series per request,
and a signing link's path holds its secret) and status, with latency."""

import asyncio
import time
from typing import Any

from aiohttp import web

from shared.metrics import Metrics

METRICS = web.AppKey("metrics", Metrics)


def route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def measured(request: web.Request, handler: Any) -> web.StreamResponse:
    """Outside the problems middleware, so it sees the status every answer finally has."""
    metrics = request.app[METRICS]
    route, started = route_of(request), time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as answer:  # a redirect, which the problems middleware lets by
        status = answer.status
        raise
    except asyncio.CancelledError:  # the caller went away (nginx logs it as 499)
        status = 499
        raise
    finally:
        metrics.http_requests.labels(request.method, route, str(status)).inc()
        metrics.http_duration.labels(request.method, route).observe(time.perf_counter() - started)
