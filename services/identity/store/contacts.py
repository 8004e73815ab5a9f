"""Contacts and their invitations."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.identity.models import Contact, Invitation
from shared.database import Connection

_CONTACT = """SELECT id, firm_id, account_id, first_name, last_name, email, phone,
                     personal_number, language, portal_access, registered FROM contacts"""
_FIELDS = ("first_name", "last_name", "email", "phone", "personal_number", "language")


async def insert_contact(conn: Connection, firm_id: UUID, fields: dict[str, Any]) -> Contact:
    row = await conn.fetchrow(
        """INSERT INTO contacts
               (id, firm_id, first_name, last_name, email, phone, personal_number, language)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING id, firm_id, account_id, first_name, last_name, email, phone,
                     personal_number, language, portal_access, registered""",
        uuid4(),
        firm_id,
        *(fields[name] for name in _FIELDS),
    )
    return Contact(**row)


async def update_contact(conn: Connection, contact_id: UUID, fields: dict[str, Any]) -> Contact:
    row = await conn.fetchrow(
        """UPDATE contacts SET first_name = $2, last_name = $3, email = $4, phone = $5,
                  personal_number = $6, language = $7, updated_at = now()
           WHERE id = $1
           RETURNING id, firm_id, account_id, first_name, last_name, email, phone,
                     personal_number, language, portal_access, registered""",
        contact_id,
        *(fields[name] for name in _FIELDS),
    )
    return Contact(**row)


async def get_contact(conn: Connection, firm_id: UUID, contact_id: UUID) -> Contact | None:
    row = await conn.fetchrow(f"{_CONTACT} WHERE firm_id = $1 AND id = $2", firm_id, contact_id)
    return Contact(**row) if row else None


async def lock_contact(conn: Connection, firm_id: UUID, contact_id: UUID) -> Contact | None:
    row = await conn.fetchrow(
        f"{_CONTACT} WHERE firm_id = $1 AND id = $2 FOR UPDATE", firm_id, contact_id
    )
    return Contact(**row) if row else None


async def find_duplicate(
    conn: Connection, firm_id: UUID, email: str | None, personal_number: str | None, not_id: UUID
) -> str | None:
    """Which field (`email` or `personal_number`) another contact of the firm already has."""
    return await conn.fetchval(
        """SELECT CASE WHEN lower(email) = lower($2) THEN 'email' ELSE 'personal_number' END
           FROM contacts WHERE firm_id = $1 AND id <> $4
             AND (lower(email) = lower($2) OR personal_number = $3) LIMIT 1""",
        firm_id,
        email,
        personal_number,
        not_id,
    )


async def set_portal_access(conn: Connection, contact_id: UUID, enabled: bool) -> None:
    await conn.execute(
        "UPDATE contacts SET portal_access = $2, updated_at = now() WHERE id = $1",
        contact_id,
        enabled,
    )


async def link_account(
    conn: Connection, contact_id: UUID, account_id: UUID, registered: bool
) -> None:
    await conn.execute(
        "UPDATE contacts SET account_id = $2, registered = $3 WHERE id = $1",
        contact_id,
        account_id,
        registered,
    )


async def list_contact_memberships(conn: Connection, account_id: UUID) -> list[tuple[Contact, str]]:
    rows = await conn.fetch(
        """SELECT c.id, c.firm_id, c.account_id, c.first_name, c.last_name, c.email, c.phone,
                  c.personal_number, c.language, c.portal_access, c.registered,
                  f.name AS firm_name
           FROM contacts c JOIN firms f ON f.id = c.firm_id
           WHERE c.account_id = $1 AND c.portal_access AND c.registered ORDER BY c.firm_id""",
        account_id,
    )
    return [
        (Contact(**{k: v for k, v in r.items() if k != "firm_name"}), r["firm_name"]) for r in rows
    ]


_INVITATION = "SELECT id, send_at, sent_at, expires_at, used_at, revoked_at FROM invitations"


async def insert_invitation(
    conn: Connection,
    firm_id: UUID,
    *,
    staff_id: UUID | None = None,
    contact_id: UUID | None = None,
    send_at: datetime,
) -> UUID:
    return await conn.fetchval(
        """INSERT INTO invitations (id, firm_id, staff_id, contact_id, send_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        uuid4(),
        firm_id,
        staff_id,
        contact_id,
        send_at,
    )


async def get_latest_invitation(conn: Connection, contact_id: UUID) -> Invitation | None:
    row = await conn.fetchrow(
        f"{_INVITATION} WHERE contact_id = $1 ORDER BY created_at DESC LIMIT 1", contact_id
    )
    return Invitation(**row) if row else None


async def revoke_invitations(
    conn: Connection, *, contact_id: UUID | None = None, staff_id: UUID | None = None
) -> None:
    await conn.execute(
        """UPDATE invitations SET revoked_at = now()
           WHERE (contact_id = $1 OR staff_id = $2) AND revoked_at IS NULL AND used_at IS NULL""",
        contact_id,
        staff_id,
    )


async def lock_due_invitations(
    conn: Connection, now: datetime, limit: int, only: UUID | None = None
) -> list[dict[str, Any]]:
    """Invitations whose time has come, locked so that one replica sends each."""
    rows = await conn.fetch(
        """SELECT id, firm_id, staff_id, contact_id FROM invitations
           WHERE sent_at IS NULL AND revoked_at IS NULL AND send_at <= $1
             AND ($3::uuid IS NULL OR id = $3)
           ORDER BY send_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
        now,
        limit,
        only,
    )
    return [dict(row) for row in rows]


async def mark_invitation_sent(
    conn: Connection,
    invitation_id: UUID,
    token_hash: bytes | None,
    now: datetime,
    expires: datetime,
) -> None:
    await conn.execute(
        """UPDATE invitations SET sent_at = $3, token_hash = $2, expires_at = $4
           WHERE id = $1""",
        invitation_id,
        token_hash,
        now,
        expires,
    )


async def use_invitation(conn: Connection, token_hash: bytes) -> dict[str, Any] | None:
    """Marks a live invitation used; used, expired, revoked or unknown → None."""
    row = await conn.fetchrow(
        """UPDATE invitations SET used_at = now()
           WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
             AND expires_at > now()
           RETURNING firm_id, staff_id, contact_id""",
        token_hash,
    )
    return dict(row) if row else None


async def list_by_personal_number(conn: Connection, personal_number: str) -> list[Contact]:
    """Contacts with portal access, in any firm, who hold this personal identity number."""
    rows = await conn.fetch(
        f"{_CONTACT} WHERE personal_number = $1 AND portal_access ORDER BY created_at",
        personal_number,
    )
    return [Contact(**row) for row in rows]


async def set_email(conn: Connection, contact_id: UUID, email: str) -> None:
    await conn.execute(
        "UPDATE contacts SET email = $2, updated_at = now() WHERE id = $1", contact_id, email
    )
