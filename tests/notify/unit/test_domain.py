"""Notify's pure rules: literals in, answer out."""

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from services.notify import domain
from services.notify.domain import Person, Reach
from shared.errors import Invalid


def staff(role: str = "member", assigned: bool = False, **kw: object) -> Person:
    return Person(id=uuid4(), kind="staff", email="s@f.se", language="sv", role=role,
                  assigned=assigned, **kw)  # type: ignore[arg-type]  # fmt: skip


def contact(*roles: str, portal: bool | None = True, **kw: object) -> Person:
    return Person(id=uuid4(), kind="contact", email="c@k.se", language="en", portal=portal,
                  client_roles=frozenset(roles), **kw)  # type: ignore[arg-type]  # fmt: skip


def ids(people: list[Person]) -> set[UUID]:
    return {p.id for p in people}


def test_folder_notice_reaches_audience_and_the_clients_staff_only() -> None:
    owner, assigned, other = staff("owner"), staff(assigned=True), staff()
    seen, unseen, employee = contact("operational"), contact("commercial"), contact("employee")
    everyone = [owner, assigned, other, seen, unseen, employee]
    reach = Reach(audience=frozenset({seen.id, employee.id}), client_staff=True)
    assert ids(domain.recipients(reach, everyone, None)) == {
        owner.id,
        assigned.id,
        seen.id,
        employee.id,
    }


def test_the_actor_is_never_told_of_their_own_action() -> None:
    uploader, other = contact("operational"), contact("operational")
    reach = Reach(audience=frozenset({uploader.id, other.id}))
    assert ids(domain.recipients(reach, [uploader, other], uploader.id)) == {other.id}


def test_client_wide_notice_reaches_operational_contacts_not_employees_or_commercial() -> None:
    ops, both = contact("operational"), contact("operational", "commercial")
    com, emp = contact("commercial"), contact("employee")
    reach = Reach(client_roles=frozenset({"operational"}))
    assert ids(domain.recipients(reach, [ops, both, com, emp], None)) == {ops.id, both.id}


def test_business_notice_reaches_commercial_contacts() -> None:
    ops, com = contact("operational"), contact("commercial")
    reach = Reach(client_roles=frozenset({"commercial"}))
    assert ids(domain.recipients(reach, [ops, com], None)) == {com.id}


def test_employee_hears_of_their_own_signing_by_name() -> None:
    emp = contact("employee")
    assert ids(domain.recipients(Reach(named=frozenset({emp.id})), [emp], None)) == {emp.id}
    assert domain.recipients(Reach(client_roles=frozenset({"operational"})), [emp], None) == []


def test_firm_matters_reach_owners_and_admins() -> None:
    owner, admin, member = staff("owner"), staff("admin"), staff("member", assigned=True)
    got = domain.recipients(
        Reach(firm_admins=True), [owner, admin, member, contact("commercial")], None
    )
    assert ids(got) == {owner.id, admin.id}


def test_inactive_unreachable_revoked_and_told_otherwise_are_left_out() -> None:
    gone = staff("owner", active=False)
    no_mail = Person(id=uuid4(), kind="staff", email=None, language="sv", role="owner")
    revoked = contact("operational", portal=False)
    unknown_access = contact("operational", portal=None)
    party = contact("operational")
    folder = Reach(
        audience=frozenset({revoked.id, unknown_access.id}),
        firm_admins=True,
        client_roles=frozenset({"operational"}),
        told_otherwise=frozenset({party.id}),
    )
    got = domain.recipients(folder, [gone, no_mail, revoked, unknown_access, party], None)
    # Documents' audience is trusted until a revocation is known; roles need known access.
    assert ids(got) == {unknown_access.id}


def test_defaults_differ_per_kind_of_user_and_choices_override_them() -> None:
    assert domain.delivery_for("document_uploaded", "staff", {}) == "daily_digest"
    assert domain.delivery_for("document_uploaded", "contact", {}) == "immediate"
    assert domain.delivery_for("document_uploaded", "contact", {"documents": "off"}) == "off"
    assert domain.delivery_for("comment_added", "contact", {"documents": "off"}) == "immediate"


@pytest.mark.parametrize("kind", ["magic_link", "sign_up_link", "password_reset",
                                  "customer_invitation", "one_time_code",
                                  "signing_invitation"])  # fmt: skip
def test_security_messages_ignore_preferences(kind: str) -> None:
    everything_off = dict.fromkeys(domain.CATEGORIES, "off")
    assert domain.delivery_for(kind, "contact", everything_off) == "immediate"


def test_language_falls_back_to_the_firm_then_english() -> None:
    assert domain.language_for("de", "sv") == "de"
    assert domain.language_for(None, "es") == "es"
    assert domain.language_for("fi", "no") == "en"


def test_digest_is_due_from_the_local_hour_once_a_day() -> None:
    # 05:30 UTC is 07:30 in Stockholm (summer) and 01:30 in New York.
    now = datetime(2025, 6, 2, 5, 30, tzinfo=UTC)
    assert domain.digest_due(now, "Europe/Stockholm", 7, None) == date(2025, 6, 2)
    assert domain.digest_due(now, "Europe/Stockholm", 7, date(2025, 6, 2)) is None
    assert domain.digest_due(now, "Europe/Stockholm", 8, None) is None
    assert domain.digest_due(now, "America/New_York", 7, date(2025, 5, 31)) is None
    assert domain.digest_due(now, "Asia/Tokyo", 7, date(2025, 6, 1)) == date(2025, 6, 2)


def test_time_zones_are_checked() -> None:
    assert domain.valid_time_zone("Europe/Madrid") == "Europe/Madrid"
    with pytest.raises(Invalid):
        domain.valid_time_zone("Mars/Olympus")


def test_smtp_answers_decide_retry() -> None:
    assert domain.smtp_outcome(250, 1, 5) == "sent"
    assert domain.smtp_outcome(550, 1, 5) == "failed"
    assert domain.smtp_outcome(451, 1, 5) == "retry"
    assert domain.smtp_outcome(None, 4, 5) == "retry"
    assert domain.smtp_outcome(421, 5, 5) == "failed"


def test_retry_delay_doubles_up_to_the_cap() -> None:
    assert [domain.retry_delay(n, 2.0, 10.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 10.0]


def test_digest_lists_up_to_the_limit_and_counts_the_rest() -> None:
    assert domain.digest_lines(["a", "b", "c"], 2) == (["a", "b"], 1)
    assert domain.digest_lines(["a"], 2) == (["a"], 0)
