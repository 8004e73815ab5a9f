"""The password check under the failed sign-in limits (ARCHITECTURE §4): refused once too many
failures were counted, slowed down when an account is under attack from everywhere.

The hash runs with no database connection held: an argon2id verification takes tens of
milliseconds of a core, and a connection held meanwhile would let a flood of sign-ins empty
the pool for every other request. So the attempt is first written down as a failure in a
short transaction (under the email's and the address's locks, after checking the limits),
then the password is hashed, and a right one takes the failure back (`forgive`, in the
caller's transaction). Concurrent wrong guesses therefore each see the ones before them
counted: however many race, no more than the limit are ever hashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from services.identity.clock import now
from services.identity.domain import retry_after, slowdown
from services.identity.models import NewFailure
from services.identity.store import accounts
from shared.database import Connection
from shared.errors import DomainError, TooManyRequests, Unauthorized

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

WRONG = "Wrong email or password."


@dataclass(frozen=True)
class Checked:
    """A right password: the account, and the failure that stood for the attempt meanwhile."""

    account_id: UUID
    attempt: int


async def checked_password(
    deps: IdentityDeps, email: str, source: str, password: str
) -> Checked | DomainError:
    """The account if the password is right, or the refusal to raise (its failure is already
    committed). Call it with no transaction open: it takes its own, short ones.

    Failures are counted per (account, source) and per source: a stranger who guesses wrong
    locks out only themselves, never the account's owner elsewhere. Across all sources an
    account under attack is slowed down instead: after each failure past a threshold, a few
    seconds pass before the next attempt on it, from anywhere. A right password must be
    forgiven (`forgive`) in the transaction that acts on it, or it stays counted."""
    async with deps.db.transaction() as conn:
        await _refuse_when_limited(deps, conn, email, source)
        account = await accounts.get_account_by_email(conn, email)
        failure = NewFailure(email=email, source=source, failed_at=now())
        attempt = await accounts.insert_failure(conn, failure)
    stored = account.password_hash if account else None
    passwords = deps.passwords
    if account is None or not await passwords.verify(stored, password):
        return Unauthorized(WRONG)
    if passwords.needs_rehash(stored):
        renewed = await passwords.hash(password)
        async with deps.db.transaction() as conn:
            await accounts.update_password(conn, account.id, renewed)
    return Checked(account.id, attempt)


async def forgive(conn: Connection, checked: Checked) -> None:
    """The attempt was right: it no longer counts as a failure."""
    await accounts.delete_failure(conn, checked.attempt)


async def _refuse_when_limited(
    deps: IdentityDeps, conn: Connection, email: str, source: str
) -> None:
    settings = deps.settings
    await accounts.lock_sign_in_keys(conn, [email, source])
    window = timedelta(seconds=settings.failure_window_seconds)
    by_pair, by_source, by_account = await accounts.list_failures(conn, email, source, window)
    wait = max(
        retry_after(by_pair, settings.failures_per_account, window, now()),
        retry_after(by_source, settings.failures_per_source, window, now()),
        slowdown(by_account, settings.failures_before_slowdown, now()),
    )
    if wait:
        raise TooManyRequests("Too many failed sign-ins; try again later.", retry_after=wait)
