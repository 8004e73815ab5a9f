"""The password check under the failed sign-in limits (ARCHITECTURE §4): refused once too many
failures were counted, slowed down when an account is under attack from everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from services.identity.clock import now
from services.identity.domain import retry_after, slowdown
from services.identity.store import accounts
from shared.database import Connection
from shared.errors import DomainError, TooManyRequests, Unauthorized

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

WRONG = "Wrong email or password."


async def checked_password(
    deps: IdentityDeps, conn: Connection, email: str, source: str, password: str
) -> UUID | DomainError:
    """The account id if the password is right, or the refusal to raise after commit (so that
    the failure a caller records stays).

    Failures are counted per (account, source) and per source: a stranger who guesses wrong
    locks out only themselves, never the account's owner elsewhere. Across all sources an
    account under attack is slowed down instead: after each failure past a threshold, a few
    seconds pass before the next attempt on it, from anywhere."""
    settings = deps.settings
    await accounts.lock_sign_in_key(conn, email)
    window = timedelta(seconds=settings.failure_window_seconds)
    by_pair, by_source, by_account = await accounts.list_failures(conn, email, source, window)
    wait = max(
        retry_after(by_pair, settings.failures_per_account, window, now()),
        retry_after(by_source, settings.failures_per_source, window, now()),
        slowdown(by_account, settings.failures_before_slowdown, now()),
    )
    if wait:
        raise TooManyRequests("Too many failed sign-ins; try again later.", retry_after=wait)
    account = await accounts.get_account_by_email(conn, email)
    stored = account.password_hash if account else None
    passwords = deps.passwords
    if account is None or not await passwords.verify(stored, password):
        return Unauthorized(WRONG)
    if passwords.needs_rehash(stored):
        await accounts.update_password(conn, account.id, await passwords.hash(password))
    return account.id
