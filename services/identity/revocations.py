"""Revocation everywhere at once (ARCHITECTURE §4, shared/revocation.py): each revocation
commits with its event, so every replica of every service refuses the tokens within a second;
and the recent ones are answered to a replica catching up (`ListRevocations`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.identity.models import RevokedSession
from services.identity.store import accounts
from services.identity.store import revocations as store
from shared.bus import put
from shared.database import Connection, Database
from shared.events.base import Envelope
from shared.events.identity import (
    ListRevocations,
    Revocations,
    SessionRevoked,
    TokensRevoked,
)
from shared.events.identity import RevokedSession as Revoked
from shared.revocation import CatchUp

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps


async def ended(conn: Connection, sessions: list[RevokedSession], actor: UUID | None) -> None:
    """Announce sessions just revoked (what a store `revoke_…` returned)."""
    for session in sessions:
        event = SessionRevoked(
            session_id=session.session_id,
            person_id=session.person_id,
            revoked_at=session.revoked_at,
        )
        await put(conn, event, firm_id=session.firm_id, actor=actor)


async def revoke_person(
    conn: Connection, firm_id: UUID, person_id: UUID, actor: UUID | None
) -> None:
    """Every session of the person ends, and every token issued to them at the firm until now
    is refused, also one from a sign-in that raced this transaction."""
    await ended(conn, await accounts.revoke_person_sessions(conn, person_id), actor)
    issued_before = await store.insert_token_revocation(conn, firm_id, person_id)
    event = TokensRevoked(person_id=person_id, issued_before=issued_before)
    await put(conn, event, firm_id=firm_id, actor=actor)


async def since(conn: Connection, when: datetime) -> Revocations:
    sessions = await accounts.list_revoked_sessions(conn, when)
    return Revocations(
        sessions=[Revoked(session_id=s.session_id, revoked_at=s.revoked_at) for s in sessions],
        tokens=await store.list_token_revocations(conn, when),
    )


def from_database(db: Database) -> CatchUp:
    """Identity's own replicas catch up from its database, not by asking themselves."""

    async def catch_up(when: datetime) -> Revocations:
        async with db.transaction(readonly=True) as conn:
            return await since(conn, when)

    return catch_up


async def list_revocations(
    conn: Connection, request: ListRevocations, envelope: Envelope, *, deps: IdentityDeps
) -> Revocations:
    return await since(conn, request.since)
