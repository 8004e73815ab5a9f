"""Time-driven work, in every replica: expiry, reminders, unfinished completions, credits
whose return was not confirmed, and personal numbers still in plain text. Each row is taken
under its lock with SKIP LOCKED, so replicas never do one twice and never wait on each other."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.signing import completion, domain, invitations, personal_numbers, sending
from services.signing.models import NewAuditEvent
from services.signing.store import audit, parties, signings
from shared.bus import put
from shared.events.signing import SigningExpired
from shared.jobs import Periodic

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

log = logging.getLogger(__name__)

BATCH = 100


async def expire_due(deps: SigningDeps) -> int:
    at = datetime.now(UTC)
    async with deps.db.transaction(readonly=True) as conn:
        due = await signings.list_ids_expired(conn, at, BATCH)
    return sum([await _expire(deps, signing_id, at) for signing_id in due])


async def _expire(deps: SigningDeps, signing_id: UUID, at: datetime) -> int:
    async with deps.db.transaction() as conn:
        signing = await signings.lock_signing_if_free(conn, signing_id)
        if signing is None or signing.state != "sent" or signing.expires_at > at:
            return 0
        if domain.all_signed(await parties.list_parties(conn, signing.firm_id, signing_id)):
            return 0
        await signings.update_state(conn, signing.firm_id, signing_id, "expired", at)
        await audit.insert_audit(
            conn,
            NewAuditEvent.on(signing, at, "expired"),
        )
        event = SigningExpired(signing_id=signing_id, client_id=signing.client_id)
        await put(conn, event, firm_id=signing.firm_id, actor=None)
    return 1


async def remind_due(deps: SigningDeps) -> int:
    at = datetime.now(UTC)
    async with deps.db.transaction(readonly=True) as conn:
        due = await signings.list_ids_with_reminders(conn, at, BATCH)
    reminded = 0
    for signing_id in due:
        async with deps.db.transaction() as conn:
            signing = await signings.lock_signing_if_free(conn, signing_id)
            if signing is None or signing.state != "sent" or signing.halted:
                continue
            for party in await parties.list_parties(conn, signing.firm_id, signing_id):
                if domain.reminder_due(signing, party, at):
                    await invitations.remind(conn, deps.settings, signing, party, at)
                    reminded += 1
    return reminded


async def complete_due(deps: SigningDeps) -> int:
    async with deps.db.transaction(readonly=True) as conn:
        due = await signings.list_ids_to_seal(conn, BATCH)
    return sum([await completion.complete(deps, signing_id) for signing_id in due])


async def release_due(deps: SigningDeps) -> int:
    async with deps.db.transaction(readonly=True) as conn:
        due = await signings.list_releasing(conn, BATCH)
    for s in due:
        await sending.release(deps, s.firm_id, s.id, s.credit_attempt, None)
    return len(due)


async def seal_due(deps: SigningDeps) -> int:
    return await personal_numbers.seal_plain(deps.db, deps.numbers)


def _logged(
    name: str, work: Callable[[SigningDeps], Awaitable[int]], deps: SigningDeps
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        done = await work(deps)
        if done:
            log.info("%s: %d", name, done)

    return run


def signing_jobs(deps: SigningDeps) -> Sequence[Periodic]:
    s = deps.settings
    table = [
        ("signing-expiry", s.expiry_job_seconds, expire_due),
        ("signing-reminders", s.reminder_job_seconds, remind_due),
        ("signing-completion", s.completion_job_seconds, complete_due),
        ("signing-credit-returns", s.completion_job_seconds, release_due),
        ("signing-personal-numbers", personal_numbers.SEALING_SECONDS, seal_due),
    ]
    return [Periodic(name, every, _logged(name, work, deps)) for name, every, work in table]
