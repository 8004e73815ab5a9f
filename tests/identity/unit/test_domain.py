"""Identity's rules: literals in, answer out."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.identity.domain import (
    InvitationState,
    check_deactivation,
    check_password,
    check_role_change,
    clean_contact,
    language_for,
    luhn_ok,
    normal_email,
    normal_personal_number,
    normal_phone,
    portal_status,
    retry_after,
    totp_code,
    totp_step,
)
from services.identity.passwords import load_common
from shared.errors import Conflict, Forbidden, Invalid

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
COMMON = load_common()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("19811218-9876", "198112189876"),
        ("811218-9876", "198112189876"),
        ("198112189876", "198112189876"),
        ("811218+9876", "188112189876"),
        ("19701063-2391", "197010632391"),  # samordningsnummer: day 63 = the 3rd
    ],
)
def test_personal_numbers_are_normalised(given: str, stored: str) -> None:
    assert normal_personal_number(given, TODAY) == stored


@pytest.mark.parametrize(
    "given", ["19811218-9875", "19811318-9876", "1981121", "abcdef-ghij", "19810230-1234"]
)
def test_bad_personal_numbers_name_the_field(given: str) -> None:
    with pytest.raises(Invalid) as error:
        normal_personal_number(given, TODAY, "contacts.0.personal_number")
    assert error.value.field == "contacts.0.personal_number"


def test_luhn() -> None:
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")


def test_phone_numbers_become_e164() -> None:
    assert normal_phone("070-123 45 67", "SE") == "+46701234567"
    assert normal_phone("+49 30 901820", "SE") == "+4930901820"
    with pytest.raises(Invalid) as error:
        normal_phone("12", "SE")
    assert error.value.field == "phone"


def test_emails_are_checked_and_normalised() -> None:
    assert normal_email(" Anna@Example.COM ") == "Anna@example.com"
    with pytest.raises(Invalid) as error:
        normal_email("anna@", "owner_email")
    assert error.value.field == "owner_email"


def test_password_length_depends_on_a_second_factor() -> None:
    check_password("fifteen chars!!", COMMON, second_factor=False)
    check_password("eight ch", COMMON, second_factor=True)
    with pytest.raises(Invalid, match="15"):
        check_password("fourteen chars", COMMON, second_factor=False)
    with pytest.raises(Invalid, match="8"):
        check_password("seven c", COMMON, second_factor=True)
    check_password("x" * 63 + "y", COMMON, second_factor=False)


def test_common_and_monotonous_passwords_are_refused_without_composition_rules() -> None:
    for bad in ("Password123456", "qwertyuiopasdfghjkl", "aaaaaaaaaaaaaaaaaaaa"):
        with pytest.raises(Invalid, match="common"):
            check_password(bad, COMMON, second_factor=True)
    check_password("only lower case letters here", COMMON, second_factor=False)


def test_retry_after_counts_only_the_window() -> None:
    window = timedelta(minutes=15)
    recent = [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4, 5)]
    assert retry_after(recent[:4], 5, window, NOW) == 0
    assert retry_after(recent, 5, window, NOW) == 10 * 60
    old = [NOW - timedelta(minutes=20)] * 5
    assert retry_after(old, 5, window, NOW) == 0


def test_portal_status() -> None:
    later = NOW + timedelta(days=1)
    scheduled = InvitationState(later, None, None, revoked=False)
    sent = InvitationState(NOW, NOW, later, revoked=False)
    lapsed = InvitationState(NOW, NOW, NOW - timedelta(seconds=1), revoked=False)
    assert portal_status(False, None, NOW) == "not_invited"
    assert portal_status(False, scheduled, NOW) == "scheduled"
    assert portal_status(False, sent, NOW) == "sent"
    assert portal_status(False, lapsed, NOW) == "expired"
    assert portal_status(True, lapsed, NOW) == "registered"


def test_owner_rules() -> None:
    check_role_change("owner", "owner", "admin", other_owners=1)
    check_role_change("admin", "member", "admin", other_owners=0)
    with pytest.raises(Forbidden):
        check_role_change("admin", "member", "owner", other_owners=1)
    with pytest.raises(Conflict):
        check_role_change("owner", "owner", "member", other_owners=0)
    with pytest.raises(Conflict):
        check_deactivation("owner", "owner", other_owners=0)
    with pytest.raises(Forbidden):
        check_deactivation("admin", "owner", other_owners=2)


def test_clean_contact_defaults_language_and_prefixes_fields() -> None:
    raw = {"first_name": " Anna ", "last_name": "Berg", "email": None, "phone": "0701234567"}
    assert clean_contact(raw, "SE", "sv", TODAY) == {
        "first_name": "Anna", "last_name": "Berg", "email": None, "phone": "+46701234567",
        "personal_number": None, "language": "sv",
    }  # fmt: skip
    with pytest.raises(Invalid) as error:
        clean_contact(raw | {"email": "nope"}, "SE", "sv", TODAY, "contacts.1.")
    assert error.value.field == "contacts.1.email"
    assert language_for("DE") == "de"
    assert language_for("FR") == "en"


def test_totp_matches_rfc_6238_and_refuses_replays() -> None:
    secret = b"12345678901234567890"
    assert totp_code(secret, 1) == "287082"  # RFC 6238 vector at T=59 s, last six digits
    at = datetime.fromtimestamp(59, UTC)
    assert totp_step(secret, "287082", at, None) == 1
    assert totp_step(secret, "287082", at, last_step=1) is None
    assert totp_step(secret, "000000", at, None) is None
    later = datetime.fromtimestamp(59 + 90, UTC)
    assert totp_step(secret, "287082", later, None) is None
