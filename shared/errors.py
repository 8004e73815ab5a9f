"""Errors the rules raise; one HTTP middleware turns each into application/problem+json.

Services subclass these beside their rules (in domain.py); nothing here knows about HTTP.
"""

from dataclasses import dataclass
from typing import Any, ClassVar

# Where the kinds of problem are documented: the gateway serves this page (deploy/openapi.py
# writes it), and every problem's `type` is a fragment of it (RFC 9457: a URI reference,
# resolved against the API's own origin).
PROBLEMS_PAGE = "/api/problems"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    title: str
    meaning: str

    @property
    def uri(self) -> str:
        return f"{PROBLEMS_PAGE}#{self.slug}"


# One kind of problem per status, the same from the services and from the gateway.
PROBLEM_TYPES = {
    400: ProblemType(
        "bad-request",
        "Bad request",
        "The request could not be read (malformed line, headers or JSON).",
    ),
    401: ProblemType(
        "not-signed-in",
        "Not signed in",
        "No valid access token (expired, revoked, not ours): sign in, or answer the `challenge`.",
    ),
    402: ProblemType(
        "payment-required",
        "Payment required",
        "The firm's storage quota or e-signature balance does not cover this; buy more and retry.",
    ),
    403: ProblemType(
        "not-allowed", "Not allowed", "Signed in, but this role or session may not do this."
    ),
    404: ProblemType(
        "not-found",
        "Not found",
        "Nothing here, or nothing this caller may see (never 403 for what it must not know of).",
    ),
    405: ProblemType(
        "method-not-allowed",
        "Method not allowed",
        "The path exists, not with this method; `Allow` lists those it takes.",
    ),
    409: ProblemType(
        "conflict",
        "Conflict",
        "The state has moved on (already answered, finalised, an idempotency key reused).",
    ),
    410: ProblemType(
        "gone",
        "No longer available",
        "It existed and has expired or been used (a link, a reservation).",
    ),
    413: ProblemType("too-large", "Too large", "The body is larger than this endpoint accepts."),
    414: ProblemType(
        "uri-too-long",
        "URI too long",
        "The path and query are longer than the gateway accepts; send long input in a body.",
    ),
    415: ProblemType(
        "unsupported-media-type",
        "Unsupported media type",
        "A JSON endpoint was sent a body not declared as `application/json`.",
    ),
    422: ProblemType(
        "invalid-input",
        "Invalid input",
        "The input breaks a rule; `field` names it and `errors` lists each fault.",
    ),
    429: ProblemType(
        "too-many-requests",
        "Too many requests",
        "A rate limit per address or per target; retry after `Retry-After` seconds.",
    ),
    500: ProblemType(
        "internal-error",
        "Internal error",
        "A fault on our side; `trace_id` identifies it for support.",
    ),
    502: ProblemType(
        "bad-gateway",
        "Bad gateway",
        "The service behind the path did not answer, or its object store failed.",
    ),
    503: ProblemType(
        "unavailable",
        "Temporarily unavailable",
        "A dependency (database, broker, eID) is down; retry after `Retry-After`.",
    ),
    504: ProblemType(
        "timeout", "Gateway timeout", "The service behind the path did not answer in time."
    ),
}


def problem_type(status: int) -> str:
    """The `type` URI of a problem with this status (`about:blank` for one we do not name)."""
    known = PROBLEM_TYPES.get(status)
    return known.uri if known else "about:blank"


class DomainError(Exception):
    """A refusal the caller can act on. `field` names the input at fault, if one is."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class Invalid(DomainError):
    status = 422
    title = "Invalid input"


class Unauthorized(DomainError):
    status = 401
    title = "Not signed in"


class PaymentRequired(DomainError):
    status = 402
    title = "Payment required"


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Gone(DomainError):
    status = 410
    title = "No longer available"


class TooLarge(DomainError):
    status = 413
    title = "Too large"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503
    title = "Temporarily unavailable"
