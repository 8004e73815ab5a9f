"""The rules of a signing request, with no I/O: literals in, a decision (or an error) out.

States: draft → sent → completed | declined | expired | cancelled. Parties who act (signers
and approvers) go in groups by order number: a group may act once every acting party of a
lower order has; parties of one order act in parallel. Viewers only receive the signed copy.
"""

import io
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from PIL import Image

from services.signing.models import PartyIn, PartyRow, SigningRow, State
from shared.errors import Conflict, Forbidden, Gone, Invalid, TooManyRequests, Unavailable

ACTIVE: frozenset[State] = frozenset({"draft", "sent"})
TRANSITIONS: dict[State, frozenset[State]] = {
    "draft": frozenset({"sent", "cancelled"}),
    "sent": frozenset({"completed", "declined", "expired", "cancelled"}),
}
PERSONAL_NUMBER = re.compile(r"^[0-9]{6,14}$")


class NotPdf(Invalid):
    def __init__(self, why: str) -> None:
        super().__init__(f"Only an unencrypted PDF can be signed: {why}.", field="document_id")


DRAWN_MAX_PIXELS = 2000 * 1000


def require_drawn_png(image: bytes) -> None:
    """A PNG the certificate page can draw: decoded in full now, so that a broken or huge image
    is refused to the party rather than failing the seal after everyone has signed."""
    if not image.startswith(b"\x89PNG\r\n\x1a\n"):
        raise Invalid("The drawn signature must be a PNG image.", field="drawn_signature")
    try:
        with Image.open(io.BytesIO(image), formats=["PNG"]) as png:
            if png.width * png.height > DRAWN_MAX_PIXELS:
                raise Invalid("The drawn signature is too large.", field="drawn_signature")
            png.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise Invalid(
            "The drawn signature is not a readable PNG.", field="drawn_signature"
        ) from None


class UnreadableFile(Invalid):
    def __init__(self, why: str) -> None:
        super().__init__(f"Only a PDF can be verified: {why}.", field="body")


class AlreadyInSigning(Conflict):
    def __init__(self) -> None:
        super().__init__("This document is already in an active signing request.")


class WrongState(Conflict):
    def __init__(self, state: str, wanted: str) -> None:
        super().__init__(f"A request that is {state} cannot be {wanted}.", state=state)


class NoLongerActive(Gone):
    def __init__(self, why: str) -> None:
        super().__init__(f"This signing link no longer works: {why}.")


class Halted(Conflict):
    def __init__(self, why: str) -> None:
        super().__init__(why)


class RemindedRecently(Conflict):
    def __init__(self) -> None:
        super().__init__("Every party whose turn it is was reminded a moment ago.")


class NotYourTurn(Conflict):
    def __init__(self) -> None:
        super().__init__("Parties of an earlier order must act first; you will get an email.")


class NotAuthenticated(Forbidden):
    def __init__(self, method: str) -> None:
        super().__init__(f"Authenticate with your method ({method}) before acting.")


class Tampered(Conflict):
    def __init__(self, expected: str, found: str) -> None:
        super().__init__(
            f"Signing stopped: the document's bytes (SHA-256 {found}) no longer match the "
            f"SHA-256 taken when the request was sent ({expected}).",
            expected_sha256=expected,
            found_sha256=found,
        )


class SealFailed(Unavailable):
    """No timestamp authority answered, or the validation data could not be fetched: the
    request stays unsealed (and says so) until the completion job succeeds."""

    def __init__(self, why: str) -> None:
        super().__init__(f"The signed PDF could not be sealed yet: {why}")


def require_transition(current: State, target: State) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise WrongState(current, target)


# --- drafting ----------------------------------------------------------------------------------


def validate_parties(parties: Sequence[PartyIn]) -> None:
    if not any(p.role == "signer" for p in parties):
        raise Invalid("A request needs at least one signer.", field="parties")
    emails = [p.email.lower() for p in parties]
    if len(set(emails)) != len(emails):
        raise Invalid("Each party needs their own email address.", field="parties")
    for index, party in enumerate(parties):
        _validate_party(index, party)


def _validate_party(index: int, party: PartyIn) -> None:
    where = f"parties.{index}"
    if party.method == "eid" and not party.personal_number:
        raise Invalid("Method eid needs the party's personal number.", field=f"{where}.method")
    if party.personal_number and not PERSONAL_NUMBER.match(
        normalise_personal_number(party.personal_number)
    ):
        raise Invalid("A personal number has 6 to 14 digits.", field=f"{where}.personal_number")


def normalise_personal_number(raw: str) -> str:
    return re.sub(r"[\s+-]", "", raw)


def validate_expiry(expires_at: datetime, now: datetime) -> None:
    if expires_at <= now + timedelta(hours=1):
        raise Invalid("The expiry must be at least an hour ahead.", field="expires_at")


# --- who acts when -----------------------------------------------------------------------------


def acting(parties: Sequence[PartyRow]) -> list[PartyRow]:
    return [p for p in parties if p.role != "viewer"]


def current_order(parties: Sequence[PartyRow]) -> int | None:
    """The order whose parties may act now; None once every acting party has signed."""
    pending = [p.sign_order for p in acting(parties) if p.status != "signed"]
    return min(pending) if pending else None


def to_invite(parties: Sequence[PartyRow]) -> list[PartyRow]:
    """Acting parties of the current order not yet invited."""
    order = current_order(parties)
    return [p for p in acting(parties) if p.sign_order == order and p.status == "waiting"]


def may_act(party: PartyRow, parties: Sequence[PartyRow]) -> bool:
    return (
        party.role != "viewer"
        and party.status == "invited"
        and party.sign_order == current_order(parties)
    )


def portal_party(parties: Sequence[PartyRow], contact_id: UUID) -> PartyRow | None:
    """The contact's own party in a request, if they may act on it now."""
    return next((p for p in parties if p.contact_id == contact_id and may_act(p, parties)), None)


def all_signed(parties: Sequence[PartyRow]) -> bool:
    return current_order(parties) is None


def anyone_signed(parties: Sequence[PartyRow]) -> bool:
    return any(p.status == "signed" for p in parties)


def progress(parties: Sequence[PartyRow]) -> tuple[int, int]:
    required = acting(parties)
    return sum(p.status == "signed" for p in required), len(required)


def require_active(signing: SigningRow, now: datetime) -> None:
    if signing.state != "sent":
        raise NoLongerActive(f"the request is {signing.state}")
    if signing.expires_at <= now:
        raise NoLongerActive("the request has expired")
    if signing.halted:
        raise Halted(signing.halted)


def require_cancellable(signing: SigningRow, parties: Sequence[PartyRow]) -> None:
    require_transition(signing.state, "cancelled")
    if signing.state == "sent" and all_signed(parties):
        raise Conflict("Everyone has signed; the signed PDF is being produced.")


def require_party_may_act(party: PartyRow, parties: Sequence[PartyRow]) -> None:
    if party.status in ("signed", "declined"):
        raise NoLongerActive(f"you have already {party.status}")
    if not may_act(party, parties):
        raise NotYourTurn()


def require_untampered(expected: str, found: str) -> None:
    if expected != found:
        raise Tampered(expected, found)


def told_of_cancellation(parties: Sequence[PartyRow]) -> list[PartyRow]:
    """Everyone who was sent a link: they must not wait for, or act on, a withdrawn request."""
    return [p for p in parties if p.invited_at is not None]


def returns_credit(signing: SigningRow, parties: Sequence[PartyRow]) -> bool:
    """Cancelling gives the credit back if one was taken and nobody has signed yet."""
    return signing.credit in ("reserving", "committed") and not anyone_signed(parties)


def credit_after_cancel(signing: SigningRow, parties: Sequence[PartyRow]) -> str:
    """`releasing` until billing confirms; a job retries if that answer never comes."""
    return "releasing" if returns_credit(signing, parties) else signing.credit


# --- authentication ----------------------------------------------------------------------------

CodeCheck = Literal["ok", "wrong", "expired", "exhausted", "none"]


def check_code(party: PartyRow, matches: bool, now: datetime, max_attempts: int) -> CodeCheck:
    """Judge one attempt at the emailed code; the caller counts a `wrong` one."""
    if party.otp_hash is None or party.otp_expires_at is None:
        return "none"
    if party.otp_attempts >= max_attempts:
        return "exhausted"
    if party.otp_expires_at <= now:
        return "expired"
    return "ok" if matches else "wrong"


def require_code_resendable(party: PartyRow, now: datetime, resend_seconds: int) -> None:
    if party.otp_sent_at is None:
        return
    wait = party.otp_sent_at + timedelta(seconds=resend_seconds) - now
    if wait > timedelta(0):
        raise TooManyRequests(
            "A code was sent moments ago; wait before asking again.",
            retry_after=max(1, int(wait.total_seconds()) + 1),
        )


def is_authenticated(party: PartyRow, session_matches: bool, now: datetime) -> bool:
    if party.method == "click":
        return True
    return (
        session_matches and party.session_expires_at is not None and party.session_expires_at > now
    )


def eid_matches(mine: str | None, vouched: str) -> bool:
    """Whether the number eID vouches for is the party's own (`mine`, None if they have none)."""
    if mine is None:
        return False
    given = normalise_personal_number(vouched).encode()
    return secrets.compare_digest(normalise_personal_number(mine).encode(), given)


# --- time-driven -------------------------------------------------------------------------------


def reminder_due(signing: SigningRow, party: PartyRow, now: datetime) -> bool:
    if signing.reminder_days is None or party.status != "invited":
        return False
    last = party.reminded_at or party.invited_at
    return last is not None and last + timedelta(days=signing.reminder_days) <= now


def to_remind_now(
    signing: SigningRow, rows: list[PartyRow], now: datetime, gap: timedelta
) -> list[PartyRow]:
    """The parties a staff member's reminder reaches: those whose turn it is, less any reminded
    within `gap` (a double click or a second colleague does not fill their inbox)."""
    if signing.state != "sent":
        raise WrongState(signing.state, "reminded")
    if signing.halted:
        raise Halted(signing.halted)
    waiting = [p for p in rows if p.status == "invited"]
    due = [p for p in waiting if p.reminded_at is None or p.reminded_at + gap <= now]
    if not due:
        raise RemindedRecently()
    return due


@dataclass(frozen=True)
class Attention:
    reason: Literal["declined", "expiring", "halted", "unsealed"]


def staff_attention(signing: SigningRow, now: datetime, soon_days: int) -> Attention | None:
    if signing.state == "declined":
        return Attention("declined")
    if signing.state != "sent":
        return None
    if signing.halted:
        return Attention("halted")
    if signing.unsealed:
        return Attention("unsealed")
    if signing.expires_at <= now + timedelta(days=soon_days):
        return Attention("expiring")
    return None


def link_expiry(signing: SigningRow, now: datetime, ttl_days: int) -> datetime:
    return min(signing.expires_at, now + timedelta(days=ttl_days))
