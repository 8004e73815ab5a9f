"""Accounts, sessions, refresh tokens, one-time tokens, failed sign-ins and eID orders.

Across firms by design: an account is a person's one sign-in for the whole platform
(ARCHITECTURE §4), and what hangs off it (sessions, tokens, failures, eID orders) is found by
the person or by a secret token, before any firm is chosen; a session names the firm it was
opened in, and the token issued for it carries that firm."""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from services.identity.models import (
    Account,
    NewEidOrder,
    NewFailure,
    NewOneTimeToken,
    NewRefreshToken,
    NewSession,
    RevokedSession,
    Session,
)
from shared.database import Connection


async def get_account_by_email(conn: Connection, email: str) -> Account | None:
    row = await conn.fetchrow(
        "SELECT id, email, password_hash FROM accounts WHERE lower(email) = lower($1)", email
    )
    return Account(**row) if row else None


async def get_account(conn: Connection, account_id: UUID) -> Account | None:
    row = await conn.fetchrow(
        "SELECT id, email, password_hash FROM accounts WHERE id = $1", account_id
    )
    return Account(**row) if row else None


async def insert_account(conn: Connection, email: str, password_hash: str | None) -> Account:
    row = await conn.fetchrow(
        """INSERT INTO accounts (id, email, password_hash) VALUES ($1, $2, $3)
           RETURNING id, email, password_hash""",
        uuid4(),
        email,
        password_hash,
    )
    return Account(**row)


async def update_password(conn: Connection, account_id: UUID, password_hash: str) -> None:
    await conn.execute(
        "UPDATE accounts SET password_hash = $2 WHERE id = $1", account_id, password_hash
    )


async def insert_session(conn: Connection, session: NewSession) -> UUID:
    proof, context = session.proof, session.context
    return await conn.fetchval(
        """INSERT INTO sessions (id, account_id, firm_id, kind, person_id, client_id, method,
                                 second_factor, personal_number_digest, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id""",
        uuid4(),
        proof.account_id,
        context.firm_id,
        context.kind,
        context.person_id,
        context.client_id,
        proof.method,
        proof.second_factor,
        proof.personal_number_digest,
        session.expires_at,
    )


_SESSION = """SELECT id, account_id, firm_id, kind, person_id, client_id, method, second_factor,
                     personal_number_digest, expires_at, revoked_at IS NOT NULL AS revoked
              FROM sessions"""


async def get_session(conn: Connection, session_id: UUID) -> Session | None:
    row = await conn.fetchrow(f"{_SESSION} WHERE id = $1", session_id)
    return Session(**row) if row else None


async def is_session_revoked(conn: Connection, session_id: UUID) -> bool:
    """Signed out, or past its absolute end; an unknown session counts as revoked."""
    revoked = await conn.fetchval(
        "SELECT revoked_at IS NOT NULL OR expires_at <= now() FROM sessions WHERE id = $1",
        session_id,
    )
    return revoked is not False


_REVOKED = "RETURNING id AS session_id, firm_id, person_id, revoked_at"


async def revoke_session(conn: Connection, session_id: UUID) -> list[RevokedSession]:
    """Each revoke_ function returns the sessions it revoked now (none already revoked), for
    their revocation events."""
    rows = await conn.fetch(
        f"UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL {_REVOKED}",
        session_id,
    )
    return [RevokedSession(**row) for row in rows]


async def revoke_person_sessions(conn: Connection, person_id: UUID) -> list[RevokedSession]:
    rows = await conn.fetch(
        f"""UPDATE sessions SET revoked_at = now() WHERE person_id = $1 AND revoked_at IS NULL
            {_REVOKED}""",
        person_id,
    )
    return [RevokedSession(**row) for row in rows]


async def revoke_link_sessions(
    conn: Connection, firm_id: UUID, contact_id: UUID
) -> list[RevokedSession]:
    """The sessions a contact's secret link opened: they end with the link they came from."""
    rows = await conn.fetch(
        f"""UPDATE sessions SET revoked_at = now()
            WHERE firm_id = $1 AND person_id = $2 AND method = 'secret_link'
              AND revoked_at IS NULL {_REVOKED}""",
        firm_id,
        contact_id,
    )
    return [RevokedSession(**row) for row in rows]


async def revoke_account_sessions(conn: Connection, account_id: UUID) -> list[RevokedSession]:
    rows = await conn.fetch(
        f"""UPDATE sessions SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL
            {_REVOKED}""",
        account_id,
    )
    return [RevokedSession(**row) for row in rows]


async def revoke_other_sessions(
    conn: Connection, account_id: UUID, keep: UUID
) -> list[RevokedSession]:
    rows = await conn.fetch(
        f"""UPDATE sessions SET revoked_at = now()
            WHERE account_id = $1 AND id <> $2 AND revoked_at IS NULL {_REVOKED}""",
        account_id, keep,
    )  # fmt: skip
    return [RevokedSession(**row) for row in rows]


async def list_revoked_sessions(conn: Connection, since: datetime) -> list[RevokedSession]:
    """Sessions revoked since `since`, for a replica catching up (shared/revocation.py)."""
    rows = await conn.fetch(
        """SELECT id AS session_id, firm_id, person_id, revoked_at FROM sessions
           WHERE revoked_at >= $1""",
        since,
    )
    return [RevokedSession(**row) for row in rows]


async def insert_refresh_token(conn: Connection, token: NewRefreshToken) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)",
        token.token_hash,
        token.session_id,
        token.expires_at,
    )


async def lock_refresh_token(conn: Connection, token_hash: bytes) -> tuple[UUID, bool, bool] | None:
    """(session id, already used, expired) of a refresh token, locked against a racing use."""
    row = await conn.fetchrow(
        """SELECT session_id, used_at IS NOT NULL AS used, expires_at <= now() AS expired
           FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE""",
        token_hash,
    )
    return (row["session_id"], row["used"], row["expired"]) if row else None


async def use_refresh_token(conn: Connection, token_hash: bytes) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", token_hash
    )


async def insert_one_time_token(conn: Connection, token: NewOneTimeToken) -> None:
    await conn.execute(
        """INSERT INTO one_time_tokens (token_hash, purpose, account_id, expires_at)
           VALUES ($1, $2, $3, $4)""",
        token.token_hash,
        token.purpose,
        token.account_id,
        token.expires_at,
    )


async def use_one_time_token(conn: Connection, token_hash: bytes, purpose: str) -> UUID | None:
    """Marks a valid token used and returns its account; used, expired or unknown → None."""
    return await conn.fetchval(
        """UPDATE one_time_tokens SET used_at = now()
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
           RETURNING account_id""",
        token_hash,
        purpose,
    )


async def lock_sign_in_keys(conn: Connection, keys: list[str]) -> None:
    """Serialises attempts on these emails and addresses across replicas for this transaction;
    sorted, so two attempts never wait for each other's second lock."""
    await conn.execute(
        """SELECT pg_advisory_xact_lock(hashtextextended(k, 7))
           FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS keys""",
        keys,
    )


async def list_failures(
    conn: Connection, email: str, source: str, window: timedelta
) -> tuple[list[datetime], list[datetime], list[datetime]]:
    """Recent failures (of this account from this source, from this source, of this account)."""
    rows = await conn.fetch(
        """SELECT lower(email) = lower($1) AS by_email, source = $2 AS by_source, failed_at
           FROM sign_in_failures
           WHERE (lower(email) = lower($1) OR source = $2) AND failed_at > now() - $3::interval""",
        email,
        source,
        window,
    )
    return (
        [r["failed_at"] for r in rows if r["by_email"] and r["by_source"]],
        [r["failed_at"] for r in rows if r["by_source"]],
        [r["failed_at"] for r in rows if r["by_email"]],
    )


async def insert_failure(conn: Connection, failure: NewFailure) -> int:
    """Count a failure; its id lets a right password take back the one its attempt wrote."""
    return await conn.fetchval(
        """INSERT INTO sign_in_failures (email, source, failed_at) VALUES ($1, $2, $3)
           RETURNING id""",
        failure.email,
        failure.source,
        failure.failed_at,
    )


async def delete_failure(conn: Connection, failure_id: int) -> None:
    await conn.execute("DELETE FROM sign_in_failures WHERE id = $1", failure_id)


async def delete_failures(conn: Connection, email: str, source: str | None = None) -> None:
    """A right password forgives its own source's failures, not a stranger's elsewhere; a
    password reset (which proved the email) forgives them all."""
    await conn.execute(
        """DELETE FROM sign_in_failures
           WHERE lower(email) = lower($1) AND ($2::text IS NULL OR source = $2)""",
        email,
        source,
    )


async def get_totp_enabled(conn: Connection, account_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT totp_enabled FROM accounts WHERE id = $1", account_id))


async def get_totp(conn: Connection, account_id: UUID) -> tuple[bytes | None, bool, int | None]:
    """(sealed secret, enabled, last used step), locked so a code is accepted once."""
    row = await conn.fetchrow(
        """SELECT totp_secret, totp_enabled, totp_last_step FROM accounts
           WHERE id = $1 FOR UPDATE""",
        account_id,
    )
    return row["totp_secret"], row["totp_enabled"], row["totp_last_step"]


async def update_totp(
    conn: Connection, account_id: UUID, sealed: bytes | None, enabled: bool, last_step: int | None
) -> None:
    await conn.execute(
        """UPDATE accounts SET totp_secret = $2, totp_enabled = $3, totp_last_step = $4
           WHERE id = $1""",
        account_id,
        sealed,
        enabled,
        last_step,
    )


async def use_totp_step(conn: Connection, account_id: UUID, step: int) -> None:
    await conn.execute("UPDATE accounts SET totp_last_step = $2 WHERE id = $1", account_id, step)


async def insert_eid_order(conn: Connection, order: NewEidOrder) -> None:
    await conn.execute(
        """INSERT INTO eid_orders (order_ref, personal_number_digest, qr_start_token,
                                   qr_start_secret, expires_at)
           VALUES ($1, $2, $3, $4, $5)""",
        order.order_ref, order.personal_number_digest, order.qr_start_token,
        order.qr_start_secret, order.expires_at,
    )  # fmt: skip


async def get_eid_qr(conn: Connection, order_ref: str) -> tuple[str | None, bytes | None, int]:
    """(QR start token, sealed secret, whole seconds since the start) of a live, unconfirmed
    order; the token is None when there is no such order or its provider has no QR."""
    row = await conn.fetchrow(
        """SELECT qr_start_token, qr_start_secret,
                  floor(extract(epoch FROM now() - started_at))::int AS seconds
           FROM eid_orders
           WHERE order_ref = $1 AND used_at IS NULL AND confirmed_at IS NULL
             AND expires_at > now()""",
        order_ref,
    )
    return (
        (row["qr_start_token"], row["qr_start_secret"], row["seconds"]) if row else (None, None, 0)
    )


async def get_eid_order(conn: Connection, order_ref: str) -> tuple[bytes, bool] | None:
    """(number digest, confirmed by the provider) of a live, unused order; None otherwise."""
    row = await conn.fetchrow(
        """SELECT personal_number_digest, confirmed_at IS NOT NULL AS confirmed FROM eid_orders
           WHERE order_ref = $1 AND used_at IS NULL AND expires_at > now()""",
        order_ref,
    )
    return (row["personal_number_digest"], row["confirmed"]) if row else None


async def confirm_eid_order(conn: Connection, order_ref: str) -> None:
    await conn.execute(
        "UPDATE eid_orders SET confirmed_at = now() WHERE order_ref = $1 AND confirmed_at IS NULL",
        order_ref,
    )


async def lock_eid_order(conn: Connection, order_ref: str) -> bytes | None:
    """The number digest of a live, unused, confirmed order, locked; None otherwise."""
    return await conn.fetchval(
        """SELECT personal_number_digest FROM eid_orders
           WHERE order_ref = $1 AND used_at IS NULL AND expires_at > now()
             AND confirmed_at IS NOT NULL FOR UPDATE""",
        order_ref,
    )


async def use_eid_order(conn: Connection, order_ref: str) -> None:
    await conn.execute("UPDATE eid_orders SET used_at = now() WHERE order_ref = $1", order_ref)


async def get_account_by_number(conn: Connection, number_digest: bytes) -> Account | None:
    """The account that verified this personal number itself, by eID while signed in."""
    row = await conn.fetchrow(
        "SELECT id, email, password_hash FROM accounts WHERE personal_number_digest = $1",
        number_digest,
    )
    return Account(**row) if row else None


async def set_personal_number(conn: Connection, account_id: UUID, number_digest: bytes) -> None:
    await conn.execute(
        "UPDATE accounts SET personal_number_digest = $2 WHERE id = $1", account_id, number_digest
    )
