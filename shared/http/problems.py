"""Every failure answers application/problem+json (RFC 9457); never a bare 500 page."""

import logging
import uuid
from typing import Any

from aiohttp import web

from shared.database import DATABASE_UNAVAILABLE
from shared.errors import (
    DomainError,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    problem_type,
)
from shared.logs import redact_path
from shared.telemetry import current_trace_id

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
REQUEST_ID = "X-Request-Id"
REQUEST_ID_KEY = web.RequestKey("request_id", str)


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    body: dict[str, Any] = {"type": problem_type(status), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return web.json_response(body, status=status, content_type=PROBLEM, headers=headers)


def _from_domain(error: DomainError) -> web.Response:
    headers = None
    if isinstance(error, TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    elif isinstance(error, Unavailable):
        headers = {"Retry-After": "1"}  # a peer or a replica a moment behind; soon again
    elif isinstance(error, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    return problem_response(
        error.status, error.title, error.detail, field=error.field, headers=headers, **error.extra
    )


def _from_http(error: web.HTTPException) -> web.Response:
    titles = {404: "Not found", 405: "Method not allowed", 413: "Too large"}
    title = titles.get(error.status, error.reason)
    detail = "" if error.text == f"{error.status}: {error.reason}" else (error.text or "")
    return problem_response(error.status, title, detail, headers=_kept_headers(error))


def _kept_headers(error: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After", "Location")}


@web.middleware
async def problems(request: web.Request, handler: Any) -> web.StreamResponse:
    request_id = request.headers.get(REQUEST_ID) or uuid.uuid4().hex
    request[REQUEST_ID_KEY] = request_id
    response = await _answer(request, handler)
    if not response.prepared:
        response.headers[REQUEST_ID] = request_id
    return response


async def _answer(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as error:
        return _from_domain(error)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return _from_http(error)
    except DATABASE_UNAVAILABLE:
        log.warning("database unreachable during %s %s", request.method, redact_path(request.path))
        return problem_response(503, "Temporarily unavailable", headers={"Retry-After": "1"})
    except Exception:
        log.exception("unexpected error in %s %s", request.method, redact_path(request.path))
        return problem_response(
            500, "Internal error", "Something went wrong on our side.", trace_id=current_trace_id()
        )
