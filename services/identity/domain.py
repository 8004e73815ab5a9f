"""Identity's rules as plain functions: no I/O, no clock (`now` comes in)."""

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import quote

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.errors import Conflict, Forbidden, Invalid

LANGUAGES = ("sv", "en", "de", "es")
STAFF_ROLES = ("owner", "admin", "member")
SINGLE_FACTOR_MIN = 15
SECOND_FACTOR_MIN = 8
PASSWORD_MAX = 256
COUNTRY_LANGUAGE = {"SE": "sv", "DE": "de", "AT": "de", "CH": "de", "ES": "es"}

_PERSONAL_NUMBER = re.compile(r"^(\d{6}|\d{8})([-+]?)(\d{4})$")


def normal_email(value: str, field: str = "email") -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise Invalid(f"Not a valid email address: {error}", field=field) from None
    return result.normalized


def normal_phone(value: str, country: str, field: str = "phone") -> str:
    """E.164; a number without a country code is read as one of the firm's country."""
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        raise Invalid("Not a phone number.", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("Not a valid phone number.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 - index % 2)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def normal_personal_number(value: str, today: date, field: str = "personal_number") -> str:
    """A Swedish personnummer or samordningsnummer as 12 digits, checksum and date verified.

    Ten digits get their century from `today`; a `+` separator means 100 years or older.
    """
    match = _PERSONAL_NUMBER.match(value.strip())
    if not match:
        raise Invalid("A personal number has 10 or 12 digits (YYYYMMDD-NNNN).", field=field)
    birth, separator, tail = match.groups()
    if len(birth) == 6:
        birth = _with_century(birth, separator == "+", today)
    if not luhn_ok(birth[2:] + tail):
        raise Invalid("The personal number's check digit is wrong.", field=field)
    if not _valid_birth_date(birth):
        raise Invalid("The personal number holds no valid date.", field=field)
    return birth + tail


def _with_century(short: str, centenarian: bool, today: date) -> str:
    year = today.year - today.year % 100 + int(short[:2])
    if year > today.year:
        year -= 100
    if centenarian:
        year -= 100
    return f"{year}{short[2:]}"


def _valid_birth_date(birth: str) -> bool:
    day = int(birth[6:])
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    try:
        date(int(birth[:4]), int(birth[4:6]), day)
    except ValueError:
        return False
    return True


def check_password(
    password: str, common: frozenset[str], *, second_factor: bool, field: str = "password"
) -> None:
    """NIST SP 800-63B rev. 4: length and a blocklist only, no composition rules."""
    minimum = SECOND_FACTOR_MIN if second_factor else SINGLE_FACTOR_MIN
    if len(password) < minimum:
        raise Invalid(f"A password needs at least {minimum} characters.", field=field)
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"A password may have at most {PASSWORD_MAX} characters.", field=field)
    if password.lower() in common or len(set(password)) == 1:
        raise Invalid("This password is too common; choose another.", field=field)


def language_for(country: str) -> str:
    return COUNTRY_LANGUAGE.get(country.upper(), "en")


def retry_after(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until another attempt is allowed; 0 while fewer than `limit` failures count."""
    recent = sorted(t for t in failures if t > now - window)
    if len(recent) < limit:
        return 0
    frees_at = recent[-limit] + window
    return max(1, int((frees_at - now).total_seconds() + 0.999))


# The ways in that prove the account itself, and so may enter its staff memberships.
STAFF_METHODS = ("password", "magic_link")


def slowdown(failures: list[datetime], threshold: int, now: datetime) -> int:
    """Seconds until an account with these recent failures (from every source) may be tried
    again: free up to `threshold`, then one second more per failure past it, at most 30, from
    the latest failure. Slows a distributed guesser down without locking the owner out."""
    if len(failures) <= threshold:
        return 0
    pause = timedelta(seconds=min(len(failures) - threshold, 30))
    left = (max(failures) + pause - now).total_seconds()
    return max(0, int(left + 0.999))


@dataclass(frozen=True)
class InvitationState:
    send_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    revoked: bool


def portal_status(registered: bool, latest: InvitationState | None, now: datetime) -> str:
    if registered:
        return "registered"
    if latest is None or latest.revoked:
        return "not_invited"
    if latest.sent_at is None:
        return "scheduled"
    if latest.expires_at is not None and latest.expires_at <= now:
        return "expired"
    return "sent"


def check_role_change(actor_role: str, current: str, new: str, other_owners: int) -> None:
    """Only an owner makes or unmakes owners; a firm always keeps one owner."""
    if "owner" in (current, new) and actor_role != "owner":
        raise Forbidden("Only an owner may grant or take the owner role.")
    if current == "owner" and new != "owner" and other_owners == 0:
        raise Conflict("The firm's last owner cannot lose the role.", field="role")


def check_deactivation(actor_role: str, target_role: str, other_owners: int) -> None:
    if target_role == "owner" and actor_role != "owner":
        raise Forbidden("Only an owner may deactivate an owner.")
    if target_role == "owner" and other_owners == 0:
        raise Conflict("The firm's last owner cannot be deactivated.")


def invitation_expiry(sent_at: datetime, days: int) -> datetime:
    return sent_at + timedelta(days=days)


def clean_contact(
    raw: dict[str, str | None], country: str, default_language: str, today: date, prefix: str = ""
) -> dict[str, str | None]:
    """A contact's fields normalised (email, E.164 phone, 12-digit personal number)."""
    email, phone, number = raw.get("email"), raw.get("phone"), raw.get("personal_number")
    return {
        "first_name": (raw["first_name"] or "").strip(),
        "last_name": (raw["last_name"] or "").strip(),
        "email": normal_email(email, f"{prefix}email") if email else None,
        "phone": normal_phone(phone, country, f"{prefix}phone") if phone else None,
        "personal_number": (
            normal_personal_number(number, today, f"{prefix}personal_number") if number else None
        ),
        "language": raw.get("language") or default_language,
    }


def check_one_primary(primaries: list[bool], field: str) -> None:
    if sum(primaries) > 1:
        raise Invalid("A client has at most one primary contact.", field=field)


TOTP_PERIOD = 30
TOTP_DIGITS = 6


def totp_code(secret: bytes, step: int) -> str:
    """RFC 6238 (HMAC-SHA1, 6 digits, 30 s): the code of one time step."""
    digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**TOTP_DIGITS).zfill(TOTP_DIGITS)


def totp_step(secret: bytes, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step a code belongs to (one step of clock drift allowed either way), or None
    if it matches none or its step was already used."""
    current = int(now.timestamp()) // TOTP_PERIOD
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp_code(secret, step), code.strip()):
            return step
    return None


def totp_uri(secret: bytes, email: str, issuer: str) -> str:
    label = quote(f"{issuer}:{email}")
    encoded = base64.b32encode(secret).decode().rstrip("=")
    return f"otpauth://totp/{label}?secret={encoded}&issuer={quote(issuer)}&digits=6&period=30"


# ---- branding and the portal address --------------------------------------------------------

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WCAG_AA = 4.5  # white text on the colour, normal size (WCAG 2.2, 1.4.3)
SLUG_DAYS_RESERVED = 90
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")
# Words that name the platform's own paths or would pass for the platform itself.
RESERVED_SLUGS = frozenset(
    {"api", "app", "admin", "administrator", "assets", "auth", "billing", "branding", "docs",
     "documents", "firm", "firms", "help", "login", "logout", "mail", "me", "new", "notify",
     "portal", "register", "reset-password", "root", "settings", "sign", "sign-in", "sign-up",
     "signing", "static", "status", "support", "system", "www", "identity", "security",
     "staff", "clients", "contacts", "invitations", "webhooks", "audit", "verify"}
)  # fmt: skip


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of `#rrggbb`."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    """The contrast ratio of white text on `colour` (1 to 21)."""
    return 1.05 / (relative_luminance(colour) + 0.05)


def check_colour(colour: str, field: str) -> str:
    """A brand colour as `#rrggbb` (lower case) that white text stays readable on, or a 422
    naming the field and the measured ratio (rounded down, so 4.49 never reads as 4.5)."""
    if not _COLOUR.match(colour):
        raise Invalid("A colour is written #rrggbb.", field=field)
    ratio = contrast_with_white(colour)
    if ratio < WCAG_AA:
        shown = int(ratio * 100) / 100
        raise Invalid(
            f"White text on {colour} has a contrast of {shown:.2f}:1; at least {WCAG_AA}:1 is "
            "needed (WCAG AA). Choose a darker colour.",
            field=field, ratio=shown, required=WCAG_AA,
        )  # fmt: skip
    return colour.lower()


def check_slug(slug: str, field: str = "slug") -> str:
    """A portal address: 3-40 lower-case letters, digits and hyphens, starting and ending with
    a letter or digit, and not one of the platform's own words."""
    if not slug_shaped(slug):
        raise Invalid(
            "A portal address has 3-40 lower-case letters (a-z), digits and single hyphens, and "
            "starts and ends with a letter or digit.",
            field=field,
        )
    if slug in RESERVED_SLUGS:
        raise Invalid(f'"{slug}" is reserved; choose another portal address.', field=field)
    return slug


def slug_shaped(slug: str) -> bool:
    """Whether `slug` could be a portal address at all (a lookup of anything else is a 404
    without asking the database)."""
    return bool(_SLUG.match(slug)) and "--" not in slug


def slug_free_at(retired_at: datetime) -> datetime:
    """An old portal address redirects to the new one, and stays its firm's, until then."""
    return retired_at + timedelta(days=SLUG_DAYS_RESERVED)
