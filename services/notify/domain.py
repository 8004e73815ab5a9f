"""Notify's rules: who hears about what, how (preferences), and when digests are due.

Pure: no I/O, no clock (callers pass `now`). Every function takes small frozen values and
returns a decision.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.auth import ADMIN_ROLES, staff_sees_client
from shared.errors import Invalid

T = TypeVar("T")
Category = Literal["documents", "comments_and_approvals", "signing", "account", "messages"]
Choice = Literal["immediate", "daily_digest", "off"]
UserKind = Literal["staff", "contact"]
ClientRole = Literal["commercial", "operational", "employee"]

CATEGORIES: tuple[Category, ...] = (
    "documents",
    "comments_and_approvals",
    "signing",
    "account",
    "messages",
)
LANGUAGES = ("sv", "en", "de", "es")
FALLBACK_LANGUAGE = "en"

# Security messages carry a secret or let someone in, and messages to a signing party reach
# someone who may be no user at all: they ignore preferences (category None).
KIND_CATEGORY: Mapping[str, Category | None] = {
    "staff_invitation": None,
    "customer_invitation": None,
    "magic_link": None,
    "sign_up_link": None,
    "password_reset": None,
    "one_time_code": None,
    "signing_invitation": None,
    "signing_reminder": None,
    "signed_copy": None,
    "signing_cancelled": None,
    "document_uploaded": "documents",
    "comment_added": "comments_and_approvals",
    "approval_requested": "comments_and_approvals",
    "approval_answered": "comments_and_approvals",
    "signing_completed": "signing",
    "signing_declined": "signing",
    "signing_expired": "signing",
    "signing_waiting": "signing",
    "contact_registered": "account",
    "storage_threshold_reached": "account",
    "balance_depleted": "account",
    "webhook_disabled": "account",
    # Document requests (issue 20) are about documents the customer sends.
    "request_created": "documents",
    "request_item_submitted": "documents",
    "request_item_accepted": "documents",
    "request_item_returned": "documents",
    "request_reminder": "documents",
    # Messages between a client and the firm (issue 20): a category of their own, so a person
    # may take them at once, once a day, or not by mail at all.
    "message_posted": "messages",
}
KINDS = (*KIND_CATEGORY, "daily_digest")

# Staff see every upload of every client they serve, so by default those come once a day.
DEFAULTS: Mapping[UserKind, Mapping[Category, Choice]] = {
    "staff": {
        "documents": "daily_digest",
        "comments_and_approvals": "immediate",
        "signing": "immediate",
        "account": "immediate",
        "messages": "immediate",
    },
    "contact": {
        "documents": "immediate",
        "comments_and_approvals": "immediate",
        "signing": "immediate",
        "account": "immediate",
        "messages": "immediate",
    },
}


def preferences(kind: UserKind, chosen: Mapping[str, str]) -> dict[Category, Choice]:
    """The user's effective choice per category: what they chose, else their kind's default."""
    return {c: chosen.get(c, DEFAULTS[kind][c]) for c in CATEGORIES}  # type: ignore[misc]


def delivery_for(kind: str, user: UserKind, chosen: Mapping[str, str]) -> Choice:
    category = KIND_CATEGORY[kind]
    if category is None:
        return "immediate"
    return preferences(user, chosen)[category]


@dataclass(frozen=True)
class Person:
    """A recipient candidate as the replica knows them, seen from one client (if any)."""

    id: UUID
    kind: UserKind
    email: str | None
    language: str
    active: bool = True
    role: str | None = None  # staff role
    portal: bool | None = None  # a contact's portal access; None = not heard of yet
    client_roles: frozenset[str] = frozenset()  # the contact's roles at the notice's client
    assigned: bool = False  # a staff member assigned to the notice's client


@dataclass(frozen=True)
class Reach:
    """Who a notice is meant for, before the actor and the unreachable are taken out.

    `audience`: contacts a folder admits (documents decides it). `client_roles`: contacts of
    the client holding one of these roles. `client_staff`: staff who can see the client.
    `firm_admins`: owners and admins. `named`: people the notice is about (e.g. the staff
    member who started a signing, or a party's own signing). `told_otherwise`: left out.
    """

    audience: frozenset[UUID] = frozenset()
    client_roles: frozenset[ClientRole] = frozenset()
    client_staff: bool = False
    firm_admins: bool = False
    named: frozenset[UUID] = field(default_factory=frozenset)
    told_otherwise: frozenset[UUID] = frozenset()  # e.g. parties who get their own email


def recipients(reach: Reach, people: Iterable[Person], actor: UUID | None) -> list[Person]:
    """Everyone the notice reaches, once each, never its actor, only people we can email."""
    chosen = [p for p in people if _reached(reach, p) and p.id not in reach.told_otherwise]
    return [p for p in chosen if p.id != actor and p.active and p.email]


def _reached(reach: Reach, person: Person) -> bool:
    if person.id in reach.named:
        return True
    if person.kind == "staff":
        if reach.firm_admins and person.role in ADMIN_ROLES:
            return True
        return reach.client_staff and staff_sees_client(person.role, person.assigned)
    # Documents decides a folder's audience; only a revocation we know of overrides it.
    # Role-based notices point into the portal, so they need access we know was granted.
    if person.id in reach.audience and person.portal is not False:
        return True
    return person.portal is True and bool(person.client_roles & reach.client_roles)


def language_for(person_language: str | None, firm_language: str | None) -> str:
    for candidate in (person_language, firm_language):
        if candidate in LANGUAGES:
            return candidate
    return FALLBACK_LANGUAGE


def valid_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"Unknown time zone {name!r}.", field="time_zone") from None
    return name


def digest_due(now: datetime, time_zone: str, hour: int, last: date | None) -> date | None:
    """The local date a digest is due for, or None. Due from `hour` local time on, once a day,
    so a replica that was down at that hour still sends it later the same day."""
    local = now.astimezone(ZoneInfo(time_zone))
    if local.hour < hour or last == local.date():
        return None
    return local.date()


SmtpOutcome = Literal["sent", "retry", "failed"]


def smtp_outcome(code: int | None, attempts: int, max_attempts: int) -> SmtpOutcome:
    """2xx sent; 5xx permanent; 4xx or no answer (connection trouble) retried while allowed."""
    if code is not None and 200 <= code < 300:
        return "sent"
    if code is not None and code >= 500:
        return "failed"
    return "retry" if attempts < max_attempts else "failed"


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Exponential backoff: base, 2·base, 4·base … capped."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def digest_lines(entries: Sequence[T], limit: int) -> tuple[list[T], int]:
    """The entries a digest lists, and how many more it only counts."""
    return list(entries[:limit]), max(0, len(entries) - limit)
