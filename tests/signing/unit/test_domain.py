"""The rules as literals in, answers out."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.signing import domain
from services.signing.models import PartyIn, PartyRow, SigningRow
from shared.errors import Invalid, TooManyRequests

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def p(order: int = 1, role: str = "signer", status: str = "waiting", **extra: object) -> PartyRow:
    values = dict(
        id=uuid.uuid4(), signing_id=uuid.uuid4(), position=0, name="N", email="n@x.se",
        phone=None, personal_number_sealed=None, role=role, sign_order=order, method="click",
        contact_id=None, status=status, invited_at=None, viewed_at=None, acted_at=None,
        reminded_at=None, decline_reason=None, typed_name=None, otp_hash=None,
        otp_expires_at=None, otp_sent_at=None, otp_attempts=0, eid_order=None,
        session_hash=None, session_expires_at=None,
    )  # fmt: skip
    return PartyRow.model_validate(values | extra)


def s(state: str = "sent", **extra: object) -> SigningRow:
    values = dict(
        id=uuid.uuid4(), firm_id=uuid.uuid4(), client_id=uuid.uuid4(), folder_id=uuid.uuid4(),
        document_id=uuid.uuid4(), document_name="a.pdf", document_sha256="a" * 64,
        document_size=1, attachments=[], message="", language="en",
        expires_at=NOW + timedelta(days=10), reminder_days=None, state=state, credit="committed",
        halted=None, created_by=uuid.uuid4(), created_at=NOW, sent_at=NOW, closed_at=None,
        sealed_sha256=None, sealed_size=None, signed_document_id=None,
    )  # fmt: skip
    return SigningRow.model_validate(values | extra)


def test_only_the_lowest_unfinished_order_may_act_and_parallel_parties_share_it() -> None:
    a, b = p(1, status="invited"), p(1, status="invited")
    c = p(2, status="invited")
    assert [domain.may_act(x, [a, b, c]) for x in (a, b, c)] == [True, True, False]
    done_a = a.model_copy(update={"status": "signed"})
    assert domain.may_act(c, [done_a, b, c]) is False
    done_b = b.model_copy(update={"status": "signed"})
    assert domain.may_act(c, [done_a, done_b, c]) is True


def test_viewers_never_act_and_do_not_hold_up_completion() -> None:
    signer, viewer = p(1, status="signed"), p(1, role="viewer")
    assert domain.all_signed([signer, viewer])
    assert not domain.may_act(viewer, [signer, viewer])


def test_next_group_to_invite_is_the_waiting_part_of_the_current_order() -> None:
    approver, signer = p(1, role="approver", status="signed"), p(2)
    assert domain.to_invite([approver, signer]) == [signer]
    assert domain.to_invite([approver.model_copy(update={"status": "invited"}), signer]) == []


def test_a_request_needs_a_signer_and_eid_needs_a_personal_number() -> None:
    with pytest.raises(Invalid, match="at least one signer"):
        domain.validate_parties([PartyIn(name="A", email="a@x.se", role="approver")])
    with pytest.raises(Invalid) as eid:
        domain.validate_parties([PartyIn(name="A", email="a@x.se", method="eid")])
    assert eid.value.field == "parties.0.method"
    domain.validate_parties(
        [PartyIn(name="A", email="a@x.se", method="eid", personal_number="19800101-1234")]
    )


def test_states_move_only_forward() -> None:
    domain.require_transition("draft", "sent")
    for current, target in [("completed", "cancelled"), ("draft", "completed"), ("sent", "draft")]:
        with pytest.raises(domain.WrongState):
            domain.require_transition(current, target)  # type: ignore[arg-type]


def test_links_stop_working_when_the_request_is_not_active() -> None:
    for state in ("completed", "declined", "expired", "cancelled"):
        with pytest.raises(domain.NoLongerActive):
            domain.require_active(s(state), NOW)
    with pytest.raises(domain.NoLongerActive):
        domain.require_active(s(expires_at=NOW), NOW)
    with pytest.raises(domain.Halted):
        domain.require_active(s(halted="changed"), NOW)


def test_codes_expire_and_allow_five_tries() -> None:
    fresh = p(otp_hash=b"h", otp_expires_at=NOW + timedelta(minutes=10))
    assert domain.check_code(fresh, True, NOW, 5) == "ok"
    assert domain.check_code(fresh, False, NOW, 5) == "wrong"
    assert domain.check_code(fresh.model_copy(update={"otp_attempts": 5}), True, NOW, 5) == (
        "exhausted"
    )
    assert domain.check_code(fresh, True, NOW + timedelta(minutes=11), 5) == "expired"
    assert domain.check_code(p(), True, NOW, 5) == "none"
    with pytest.raises(TooManyRequests):
        domain.require_code_resendable(p(otp_sent_at=NOW - timedelta(seconds=5)), NOW, 30)


def test_credit_returns_only_if_taken_and_nobody_signed() -> None:
    assert domain.returns_credit(s(), [p(status="invited")])
    assert not domain.returns_credit(s(), [p(status="signed"), p(2)])
    assert not domain.returns_credit(s(state="draft", credit="none"), [p()])


def test_eid_compares_personal_numbers_without_separators() -> None:
    assert domain.eid_matches("198001011234", "19800101-1234")
    assert not domain.eid_matches("198001011234", "199001011234")
    assert not domain.eid_matches(None, "198001011234")


def test_reminders_fall_due_per_interval_since_the_last_one() -> None:
    signing = s(reminder_days=2)
    party = p(status="invited", invited_at=NOW - timedelta(days=3))
    assert domain.reminder_due(signing, party, NOW)
    assert not domain.reminder_due(signing, party.model_copy(update={"reminded_at": NOW}), NOW)
    assert not domain.reminder_due(s(), party, NOW)


def test_staff_attention_reasons() -> None:
    assert domain.staff_attention(s("declined"), NOW, 3).reason == "declined"  # type: ignore[union-attr]
    soon = s(expires_at=NOW + timedelta(days=2))
    assert domain.staff_attention(soon, NOW, 3).reason == "expiring"  # type: ignore[union-attr]
    assert domain.staff_attention(s(), NOW, 3) is None


def test_a_reminder_reaches_the_invited_not_those_reminded_within_the_gap() -> None:
    gap = timedelta(hours=1)
    invited = p(status="invited")
    recent = p(status="invited", reminded_at=NOW - timedelta(minutes=5))
    earlier = p(status="invited", reminded_at=NOW - timedelta(hours=2))
    rows = [invited, recent, earlier, p(status="waiting", order=2), p(status="signed")]
    assert domain.to_remind_now(s(), rows, NOW, gap) == [invited, earlier]
    with pytest.raises(domain.RemindedRecently):
        domain.to_remind_now(s(), [recent], NOW, gap)
    with pytest.raises(domain.WrongState):
        domain.to_remind_now(s("draft"), [invited], NOW, gap)
    with pytest.raises(domain.Halted):
        domain.to_remind_now(s(halted="the document changed"), [invited], NOW, gap)
