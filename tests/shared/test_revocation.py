"""The deny list's rules (shared/revocation.py), literals in and answers out: by session, by
person at a firm against the token's `iat`, and forgetting once no token could still be valid."""

import math
import uuid
from datetime import UTC, datetime

import pytest

from shared.auth import Principal
from shared.errors import Unauthorized
from shared.events.identity import Revocations, RevokedSession, RevokedTokens
from shared.replicas import NotCaughtUp
from shared.revocation import DenyList, retention_seconds

NOW = 1_800_000_000.0
RETENTION = retention_seconds(900)
FIRM, OTHER_FIRM = uuid.uuid4(), uuid.uuid4()
PERSON, SESSION = uuid.uuid4(), uuid.uuid4()


def refused(
    deny: DenyList, *, session: uuid.UUID | None = SESSION, firm: uuid.UUID = FIRM,
    person: uuid.UUID = PERSON, iat: float = NOW - 60, now: float = NOW,
) -> bool:  # fmt: skip
    """Whether a token issued at `iat` (a time; the claim is its whole seconds) is refused."""
    return deny.refuses(
        session_id=session, firm_id=firm, person_id=person, issued_at=math.floor(iat), now=now
    )


def test_a_revoked_session_is_refused_and_no_other() -> None:
    deny = DenyList(RETENTION)
    deny.deny_session(SESSION, NOW - 1, NOW)
    assert refused(deny)
    assert not refused(deny, session=uuid.uuid4())
    # A token without a `sid` is judged by its person alone.
    assert not refused(deny, session=None)


def test_a_session_stays_refused_whenever_its_token_was_issued() -> None:
    deny = DenyList(RETENTION)
    deny.deny_session(SESSION, NOW - 100, NOW)
    assert refused(deny, iat=NOW - 50)  # a refresh after the revocation cannot revive it


def test_a_person_is_refused_for_tokens_issued_up_to_the_revocation_only() -> None:
    deny = DenyList(RETENTION)
    deny.deny_person(FIRM, PERSON, NOW - 10.5, NOW)
    assert refused(deny, session=None, iat=NOW - 300)
    assert refused(deny, session=None, iat=NOW - 11)
    # `iat` is whole seconds: a token of the revocation's own second may predate it, so it is
    # refused even when it was in fact issued just after.
    assert refused(deny, session=None, iat=NOW - 10.2)
    # A new sign-in after the revocation is accepted.
    assert not refused(deny, session=None, iat=NOW - 9)
    assert not refused(deny, session=None, iat=NOW)


def test_a_person_is_revoked_at_one_firm_only() -> None:
    deny = DenyList(RETENTION)
    deny.deny_person(FIRM, PERSON, NOW - 1, NOW)
    assert not refused(deny, session=None, firm=OTHER_FIRM)
    assert not refused(deny, session=None, person=uuid.uuid4())


def test_the_later_revocation_of_a_person_wins_whatever_the_order_they_arrive_in() -> None:
    deny = DenyList(RETENTION)
    deny.deny_person(FIRM, PERSON, NOW - 5, NOW)
    deny.deny_person(FIRM, PERSON, NOW - 100, NOW)  # an older one arriving late
    assert refused(deny, session=None, iat=NOW - 50)


def test_entries_are_forgotten_once_every_token_issued_before_them_has_expired() -> None:
    deny = DenyList(RETENTION)
    deny.deny_session(SESSION, NOW, NOW)
    deny.deny_person(FIRM, PERSON, NOW, NOW)
    later = NOW + RETENTION + 1
    assert not refused(deny, iat=NOW - 1, now=later)
    assert refused(deny, iat=NOW - 1, now=NOW + RETENTION - 1)
    deny.deny_session(uuid.uuid4(), later, later)  # an insert prunes what has expired
    assert len(deny) == 1


def test_retention_covers_the_longest_token_and_a_clock_margin() -> None:
    assert retention_seconds(900) > 900


def test_a_catch_up_answer_is_applied_like_the_events() -> None:
    deny = DenyList(RETENTION)
    at = datetime.fromtimestamp(NOW - 30, UTC)
    deny.apply(
        Revocations(
            sessions=[RevokedSession(session_id=SESSION, revoked_at=at)],
            tokens=[RevokedTokens(firm_id=FIRM, person_id=PERSON, issued_before=at)],
        ),
        NOW,
    )
    assert refused(deny, person=uuid.uuid4())
    assert refused(deny, session=None, iat=NOW - 40)
    assert not refused(deny, session=None, iat=NOW - 20)


def principal(session: uuid.UUID | None = SESSION, issued_at: int = 0) -> Principal:
    return Principal(PERSON, FIRM, "staff", "owner", None, "jti", session, issued_at)


def test_the_verifiers_check_refuses_while_not_caught_up_then_by_the_rules() -> None:
    deny = DenyList(RETENTION)
    with pytest.raises(NotCaughtUp):
        deny.check(principal())
    deny.caught_up()
    deny.check(principal())
    deny.deny_session(SESSION, datetime.now(UTC).timestamp(), datetime.now(UTC).timestamp())
    with pytest.raises(Unauthorized):
        deny.check(principal())
    deny.check(principal(session=uuid.uuid4()))


def test_a_replica_behind_serves_for_the_outage_grace_then_not() -> None:
    """Lost the broker: judged by what it knows for the grace, then 503 until caught up again;
    never before the first catch-up, whatever the grace."""
    deny = DenyList(RETENTION, outage_grace=30)
    assert not deny.current_at(NOW)
    deny.caught_up()
    deny.fell_behind(NOW)
    deny.fell_behind(NOW + 20)  # a second loss while behind keeps the first moment
    assert deny.current_at(NOW + 29)
    assert not deny.current_at(NOW + 30)
    deny.caught_up()
    assert deny.current_at(NOW + 31)
    strict = DenyList(RETENTION)
    strict.caught_up()
    strict.fell_behind(NOW)
    assert not strict.current_at(NOW)
