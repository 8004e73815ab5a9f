"""Contacts and their invitations."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.identity.models import Contact, ContactDetails, Invitation, NewContact
from shared.database import Connection

_COLUMNS = """id, firm_id, account_id, first_name, last_name, email, phone,
              personal_number_sealed, personal_number_digest, language, portal_access, registered"""
_CONTACT = f"SELECT {_COLUMNS} FROM contacts"


def _details(fields: ContactDetails) -> tuple[Any, ...]:
    return (
        fields.first_name,
        fields.last_name,
        fields.email,
        fields.phone,
        fields.personal_number_sealed,
        fields.personal_number_digest,
        fields.language,
    )


async def insert_contact(conn: Connection, contact: NewContact) -> Contact:
    """The personal number comes only sealed and as its digest (see numbers.py)."""
    row = await conn.fetchrow(
        f"""INSERT INTO contacts
               (id, firm_id, first_name, last_name, email, phone, personal_number_sealed,
                personal_number_digest, language)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           RETURNING {_COLUMNS}""",
        uuid4(),
        contact.firm_id,
        *_details(contact),
    )
    return Contact(**row)


async def update_contact(
    conn: Connection, firm_id: UUID, contact_id: UUID, fields: ContactDetails
) -> Contact:
    row = await conn.fetchrow(
        f"""UPDATE contacts SET first_name = $3, last_name = $4, email = $5, phone = $6,
                  personal_number_sealed = $7, personal_number_digest = $8, language = $9,
                  updated_at = now()
           WHERE firm_id = $1 AND id = $2
           RETURNING {_COLUMNS}""",
        firm_id,
        contact_id,
        *_details(fields),
    )
    return Contact(**row)


async def update_language(
    conn: Connection, firm_id: UUID, contact_id: UUID, language: str
) -> Contact:
    row = await conn.fetchrow(
        f"""UPDATE contacts SET language = $3, updated_at = now()
           WHERE firm_id = $1 AND id = $2 RETURNING {_COLUMNS}""",
        firm_id,
        contact_id,
        language,
    )
    return Contact(**row)


async def get_contact(conn: Connection, firm_id: UUID, contact_id: UUID) -> Contact | None:
    row = await conn.fetchrow(f"{_CONTACT} WHERE firm_id = $1 AND id = $2", firm_id, contact_id)
    return Contact(**row) if row else None


async def get_contact_by_email(conn: Connection, firm_id: UUID, email: str) -> Contact | None:
    row = await conn.fetchrow(
        f"{_CONTACT} WHERE firm_id = $1 AND lower(email) = lower($2)", firm_id, email
    )
    return Contact(**row) if row else None


async def lock_contact(conn: Connection, firm_id: UUID, contact_id: UUID) -> Contact | None:
    row = await conn.fetchrow(
        f"{_CONTACT} WHERE firm_id = $1 AND id = $2 FOR UPDATE", firm_id, contact_id
    )
    return Contact(**row) if row else None


async def find_duplicate(
    conn: Connection, firm_id: UUID, email: str | None, number_digest: bytes | None, not_id: UUID
) -> str | None:
    """Which field (`email` or `personal_number`) another contact of the firm already has."""
    return await conn.fetchval(
        """SELECT CASE WHEN lower(email) = lower($2) THEN 'email' ELSE 'personal_number' END
           FROM contacts WHERE firm_id = $1 AND id <> $4
             AND (lower(email) = lower($2) OR personal_number_digest = $3) LIMIT 1""",
        firm_id,
        email,
        number_digest,
        not_id,
    )


async def set_portal_access(
    conn: Connection, firm_id: UUID, contact_id: UUID, enabled: bool
) -> None:
    await conn.execute(
        """UPDATE contacts SET portal_access = $3, updated_at = now()
           WHERE firm_id = $1 AND id = $2""",
        firm_id,
        contact_id,
        enabled,
    )


async def link_account(conn: Connection, firm_id: UUID, contact_id: UUID, account_id: UUID) -> None:
    """Only after the account's owner proved the contact's email (ARCHITECTURE §4)."""
    await conn.execute(
        "UPDATE contacts SET account_id = $3, registered = true WHERE firm_id = $1 AND id = $2",
        firm_id,
        contact_id,
        account_id,
    )


async def mark_registered(conn: Connection, firm_id: UUID, contact_id: UUID) -> None:
    """The contact has signed in (by eID or secret link) without an account being linked."""
    await conn.execute(
        "UPDATE contacts SET registered = true WHERE firm_id = $1 AND id = $2", firm_id, contact_id
    )


async def list_plain_numbers(conn: Connection, limit: int) -> list[tuple[UUID, UUID, str]]:
    """Across firms by design: rows from before numbers were sealed, for the one-time
    conversion at start-up."""
    rows = await conn.fetch(
        """SELECT id, firm_id, personal_number FROM contacts
           WHERE personal_number IS NOT NULL LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
    )
    return [(r["id"], r["firm_id"], r["personal_number"]) for r in rows]


async def seal_number(
    conn: Connection, firm_id: UUID, contact_id: UUID, sealed: bytes, digest: bytes
) -> None:
    await conn.execute(
        """UPDATE contacts SET personal_number_sealed = $3, personal_number_digest = $4,
                  personal_number = NULL WHERE firm_id = $1 AND id = $2""",
        firm_id,
        contact_id,
        sealed,
        digest,
    )


_MEMBERSHIP = f"""SELECT {_COLUMNS}, (SELECT name FROM firms f WHERE f.id = c.firm_id) AS firm_name
                  FROM contacts c"""


def _memberships(rows: list[Any]) -> list[tuple[Contact, str]]:
    return [
        (Contact(**{k: v for k, v in r.items() if k != "firm_name"}), r["firm_name"]) for r in rows
    ]


async def list_contact_memberships(conn: Connection, account_id: UUID) -> list[tuple[Contact, str]]:
    """Across firms by design: the account's own memberships, each linked after the account
    proved its email."""
    rows = await conn.fetch(
        f"""{_MEMBERSHIP} WHERE c.account_id = $1 AND c.portal_access AND c.registered
            ORDER BY c.firm_id""",
        account_id,
    )
    return _memberships(rows)


async def list_number_memberships(
    conn: Connection, number_digest: bytes
) -> list[tuple[Contact, str]]:
    """Across firms by design: the contacts with portal access that carry a personal number an
    eID has just proved."""
    rows = await conn.fetch(
        f"""{_MEMBERSHIP} WHERE c.personal_number_digest = $1 AND c.portal_access
            ORDER BY c.firm_id, c.created_at""",
        number_digest,
    )
    return _memberships(rows)


async def get_contact_membership(
    conn: Connection, firm_id: UUID, contact_id: UUID
) -> tuple[Contact, str] | None:
    rows = await conn.fetch(
        f"{_MEMBERSHIP} WHERE c.firm_id = $1 AND c.id = $2 AND c.portal_access",
        firm_id,
        contact_id,
    )
    found = _memberships(rows)
    return found[0] if found else None


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


async def get_latest_invitation(
    conn: Connection, firm_id: UUID, contact_id: UUID
) -> Invitation | None:
    row = await conn.fetchrow(
        f"{_INVITATION} WHERE firm_id = $1 AND contact_id = $2 ORDER BY created_at DESC LIMIT 1",
        firm_id,
        contact_id,
    )
    return Invitation(**row) if row else None


async def revoke_invitations(
    conn: Connection,
    firm_id: UUID,
    *,
    contact_id: UUID | None = None,
    staff_id: UUID | None = None,
) -> None:
    await conn.execute(
        """UPDATE invitations SET revoked_at = now()
           WHERE firm_id = $1 AND (contact_id = $2 OR staff_id = $3)
             AND revoked_at IS NULL AND used_at IS NULL""",
        firm_id,
        contact_id,
        staff_id,
    )


async def lock_due_invitations(
    conn: Connection, now: datetime, limit: int, only: UUID | None = None
) -> list[dict[str, Any]]:
    """Invitations whose time has come, locked so that one replica sends each.
    Across firms by design: the sender job sends every firm's; each row names its firm."""
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
    firm_id: UUID,
    invitation_id: UUID,
    *,
    token_hash: bytes,
    email: str,
    now: datetime,
    expires: datetime,
) -> None:
    """The address the link goes to is kept with it."""
    await conn.execute(
        """UPDATE invitations SET sent_at = $5, token_hash = $3, email = $4, expires_at = $6
           WHERE firm_id = $1 AND id = $2""",
        firm_id, invitation_id, token_hash, email, now, expires,
    )  # fmt: skip


async def get_live_invitation(conn: Connection, token_hash: bytes) -> dict[str, Any] | None:
    """A live invitation, left unused; used, expired, revoked or unknown → None.
    Across firms by design: found by its token alone, like `use_invitation`."""
    row = await conn.fetchrow(
        """SELECT firm_id, staff_id, contact_id, email FROM invitations
           WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
             AND expires_at > now()""",
        token_hash,
    )
    return dict(row) if row else None


async def use_invitation(conn: Connection, token_hash: bytes) -> dict[str, Any] | None:
    """Marks a live invitation used; used, expired, revoked or unknown → None.
    Across firms by design: found by its token alone; the row names its firm, which the
    caller then loads by."""
    row = await conn.fetchrow(
        """UPDATE invitations SET used_at = now()
           WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL
             AND expires_at > now()
           RETURNING firm_id, staff_id, contact_id, email""",
        token_hash,
    )
    return dict(row) if row else None


async def set_email(conn: Connection, firm_id: UUID, contact_id: UUID, email: str) -> None:
    await conn.execute(
        "UPDATE contacts SET email = $3, updated_at = now() WHERE firm_id = $1 AND id = $2",
        firm_id,
        contact_id,
        email,
    )


async def list_pending_invitations(conn: Connection, email: str) -> list[dict[str, Any]]:
    """Across firms by design: what was mailed to this address and is still open, for the
    account that holds the address."""
    rows = await conn.fetch(
        """SELECT i.id, i.firm_id, f.name AS firm_name, i.expires_at,
                  CASE WHEN i.staff_id IS NULL THEN 'contact' ELSE 'staff' END AS kind
           FROM invitations i JOIN firms f ON f.id = i.firm_id
           WHERE lower(i.email) = lower($1) AND i.used_at IS NULL AND i.revoked_at IS NULL
             AND i.expires_at > now()
           ORDER BY i.sent_at""",
        email,
    )
    return [dict(row) for row in rows]


async def use_invitation_for(
    conn: Connection, invitation_id: UUID, email: str
) -> dict[str, Any] | None:
    """Marks a live invitation used by the account holding the address it went to; any other
    invitation → None. Across firms by design: the account may be invited by any firm; the row
    names its firm, which the caller then loads by."""
    row = await conn.fetchrow(
        """UPDATE invitations SET used_at = now()
           WHERE id = $1 AND lower(email) = lower($2) AND used_at IS NULL
             AND revoked_at IS NULL AND expires_at > now()
           RETURNING firm_id, staff_id, contact_id, email""",
        invitation_id,
        email,
    )
    return dict(row) if row else None
