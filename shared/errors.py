"""Errors the rules raise; one HTTP middleware turns each into application/problem+json.

Services subclass these beside their rules (in domain.py); nothing here knows about HTTP.
"""

from typing import Any, ClassVar


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
