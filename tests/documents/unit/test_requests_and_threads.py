"""The rules of document requests and message threads: literals in, answer out."""

import uuid
from datetime import UTC, date, datetime

import pytest

from services.documents import domain
from shared.errors import Conflict, Forbidden, Invalid

DUE = date(2026, 12, 10)


def at(day: int, hour: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def test_the_default_schedule_is_three_days_before_the_day_and_every_three_after() -> None:
    times = domain.reminder_times(DUE, domain.Schedule(), 7)
    assert times == [at(7), at(10), at(13), at(16), at(19)]


def test_a_schedule_without_reminders_after_stops_on_the_day() -> None:
    schedule = domain.Schedule(days_before=(5, 1), every_days_after=0)
    assert domain.reminder_times(DUE, schedule, 9) == [at(5, 9), at(9, 9), at(10, 9)]
    assert domain.reminder_times(DUE, domain.Schedule(at_most=0), 7) == []


def test_the_next_reminder_skips_those_missed_and_stops_when_spent() -> None:
    schedule = domain.Schedule()
    assert domain.next_reminder(DUE, schedule, 7, after=at(11), sent=1) == at(13)
    assert domain.next_reminder(DUE, schedule, 7, after=at(19), sent=4) is None
    assert domain.next_reminder(DUE, schedule, 7, after=at(1), sent=5) is None
    assert domain.first_reminder(DUE, schedule, 7, at(1)) == at(7)


def test_a_request_is_as_far_along_as_its_least_advanced_live_item() -> None:
    assert domain.request_status(["accepted", "open", "submitted"]) == "open"
    assert domain.request_status(["accepted", "returned", "submitted"]) == "returned"
    assert domain.request_status(["accepted", "submitted", "cancelled"]) == "submitted"
    assert domain.request_status(["accepted", "cancelled"]) == "accepted"
    assert domain.request_status(["cancelled"]) == "cancelled"
    assert domain.request_status(["accepted"], cancelled=True) == "cancelled"


def test_an_accepted_item_is_fulfilled_and_changes_no_more() -> None:
    assert domain.item_moves("open", "submit") == "submitted"
    assert domain.item_moves("returned", "submit") == "submitted"
    assert domain.item_moves("submitted", "return") == "returned"
    assert domain.item_moves("submitted", "edit") == "submitted"
    for change in ("submit", "accept", "return", "cancel", "edit"):
        with pytest.raises(Conflict):
            domain.item_moves("accepted", change)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        domain.item_moves("open", "accept")


def test_the_audience_is_the_clients_portal_contacts_now() -> None:
    a, b, c = (uuid.uuid4() for _ in range(3))
    standings = [domain.Standing(a, True, True, False), domain.Standing(b, False, True, False)]
    assert domain.request_audience(True, [], standings) == [a]
    assert domain.request_audience(False, [b, c], standings) == []
    assert domain.chosen_audience(None, standings) == [a]
    with pytest.raises(Invalid):
        domain.chosen_audience([b], standings)
    with pytest.raises(Conflict):
        domain.chosen_audience(None, standings[1:])


def test_overdue_is_past_the_day_and_still_waiting_for_the_customer() -> None:
    assert domain.overdue(DUE, "open", date(2026, 12, 11))
    assert domain.overdue(DUE, "returned", date(2026, 12, 11))
    assert not domain.overdue(DUE, "submitted", date(2026, 12, 11))
    assert not domain.overdue(DUE, "open", DUE)


# Message threads


def test_only_the_author_edits_and_only_for_fifteen_minutes() -> None:
    author, other = uuid.uuid4(), uuid.uuid4()
    posted = at(1, 9)
    domain.require_editable(author_id=author, editor_id=author, created_at=posted,
                            deleted=False, now=posted + domain.EDIT_WINDOW)  # fmt: skip
    with pytest.raises(Conflict):
        domain.require_editable(author_id=author, editor_id=author, created_at=posted,
                                deleted=False, now=at(1, 10))  # fmt: skip
    with pytest.raises(Forbidden):
        domain.require_editable(author_id=author, editor_id=other, created_at=posted,
                                deleted=False, now=posted)  # fmt: skip


def test_a_message_read_by_someone_else_stays() -> None:
    author, other = uuid.uuid4(), uuid.uuid4()
    domain.require_deletable(author_id=author, deleter_id=author, readers=[author], deleted=False)
    with pytest.raises(Conflict):
        domain.require_deletable(author_id=author, deleter_id=author, readers=[other],
                                 deleted=False)  # fmt: skip
    with pytest.raises(Forbidden):
        domain.require_deletable(author_id=author, deleter_id=other, readers=[], deleted=False)


def test_a_thread_includes_portal_contacts_only_while_they_have_access() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    standings = [domain.Standing(a, True, True, False), domain.Standing(b, False, True, False)]
    assert domain.thread_contacts([a], standings) == [a]
    for chosen in ([], [b]):
        with pytest.raises(Invalid):
            domain.thread_contacts(chosen, standings)
    assert domain.contact_in_thread([a], standings[0])
    assert not domain.contact_in_thread([b], standings[1])
