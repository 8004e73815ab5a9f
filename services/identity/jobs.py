"""Identity's scheduled loops, each safe with several replicas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from services.identity import invitations
from services.identity.clock import now
from services.identity.store.revocations import delete_old_token_revocations
from shared.jobs import Periodic

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps


def jobs(deps: IdentityDeps) -> Sequence[Periodic]:
    return [invitation_sender(deps), key_rotation(deps), revocation_housekeeping(deps)]


def invitation_sender(deps: IdentityDeps) -> Periodic:
    """Sends scheduled invitations; SKIP LOCKED lets every replica run it."""

    async def send_scheduled() -> None:
        async with deps.db.transaction() as conn:
            await invitations.send_due(deps.settings, conn, now())

    return Periodic("identity-invitations", deps.settings.invitation_job_seconds, send_scheduled)


def key_rotation(deps: IdentityDeps) -> Periodic:
    """Starts a new key when the current one is old; every replica then reloads the set, so
    the new key signs and the old one verifies until tokens it signed have expired."""

    async def rotate() -> None:
        async with deps.db.transaction() as conn:
            await deps.keys.rotate_if_due(conn, now())
        await deps.keys.load()

    return Periodic("identity-keys", deps.settings.key_check_seconds, rotate)


def revocation_housekeeping(deps: IdentityDeps) -> Periodic:
    """Forgets token revocations a day old: replicas catch up on the last token lifetime."""

    async def forget() -> None:
        async with deps.db.transaction() as conn:
            await delete_old_token_revocations(conn)

    return Periodic("identity-revocations", 3600, forget)
