"""Invitations: scheduled in the business transaction, sent (now or by the job) with a fresh
single-use token whose hash alone is stored; the link itself only travels to notify."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from services.identity.domain import InvitationState, invitation_expiry, portal_status
from services.identity.models import Contact, Firm, PortalAccess
from services.identity.settings import IdentitySettings
from services.identity.store import accounts, contacts, firms
from services.identity.tokens import digest, new_secret
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.notify import SendInvitation

BATCH = 100


async def schedule(
    conn: Connection,
    firm_id: UUID,
    *,
    send_at: datetime,
    contact_id: UUID | None = None,
    staff_id: UUID | None = None,
) -> UUID:
    """A new invitation replaces any earlier one that has not been used."""
    await revoke(conn, firm_id, contact_id=contact_id, staff_id=staff_id)
    return await contacts.insert_invitation(
        conn, firm_id, staff_id=staff_id, contact_id=contact_id, send_at=send_at
    )


async def revoke(
    conn: Connection,
    firm_id: UUID,
    *,
    contact_id: UUID | None = None,
    staff_id: UUID | None = None,
) -> None:
    await contacts.revoke_invitations(conn, firm_id, contact_id=contact_id, staff_id=staff_id)


async def send_due(
    settings: IdentitySettings, conn: Connection, now: datetime, only: UUID | None = None
) -> int:
    due = await contacts.lock_due_invitations(conn, now, BATCH, only)
    for invitation in due:
        await _send(settings, conn, invitation, now)
    return len(due)


async def _send(
    settings: IdentitySettings, conn: Connection, row: dict[str, Any], now: datetime
) -> None:
    """Every invitation carries a link, bound to the address it is mailed to: whoever opens it
    proves that address, which is the only thing that may link the membership to an account
    (ARCHITECTURE §4). Nothing is linked on sending, whatever account the address has."""
    firm = await firms.get_firm(conn, row["firm_id"])
    assert firm is not None
    if row["contact_id"] is not None:
        contact = await contacts.get_contact(conn, firm.id, row["contact_id"])
        assert contact is not None
        assert contact.email is not None
        person = Invitee(
            contact.id, "contact", contact.email, _full_name(contact), contact.language
        )
    else:
        staff = await firms.get_staff(conn, firm.id, row["staff_id"])
        assert staff is not None
        person = Invitee(staff.id, "staff", staff.email, staff.name, staff.language)
    existing = await accounts.get_account_by_email(conn, person.email)
    has_password = existing is not None and existing.password_hash is not None
    await _notify(settings, conn, row["id"], firm, person, now, existing_account=has_password)


@dataclass(frozen=True)
class Invitee:
    id: UUID
    kind: str
    email: str
    name: str
    language: str


async def _notify(
    settings: IdentitySettings,
    conn: Connection,
    invitation_id: UUID,
    firm: Firm,
    person: Invitee,
    now: datetime,
    *,
    existing_account: bool,
) -> None:
    """Someone who already has an account accepts with it; anyone else chooses a password."""
    token = new_secret()
    expires = invitation_expiry(now, settings.invitation_days)
    await contacts.mark_invitation_sent(
        conn, firm.id, invitation_id,
        token_hash=digest(token), email=person.email, now=now, expires=expires,
    )  # fmt: skip
    page = "invitation" if existing_account else "register"
    command = SendInvitation(
        firm_id=firm.id,
        firm_name=firm.name,
        recipient_id=person.id,
        recipient_kind=person.kind,  # type: ignore[arg-type]
        email=person.email,
        name=person.name,
        language=person.language,  # type: ignore[arg-type]
        link=f"{settings.public_url}/{page}#token={token}",
        sign_in_url=portal_url(settings.public_url, person.email),
        expires_at=expires,
        existing_account=existing_account,
    )
    await put(conn, command, firm_id=firm.id, actor=None)


def portal_url(public_url: str, email: str) -> str:
    """Where a person signs in, their email filled in."""
    return f"{public_url}/sign-in?{urlencode({'email': email})}"


def _full_name(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name}"


async def access_of(conn: Connection, contact: Contact, now: datetime) -> PortalAccess:
    latest = await contacts.get_latest_invitation(conn, contact.firm_id, contact.id)
    state = (
        InvitationState(
            latest.send_at, latest.sent_at, latest.expires_at, latest.revoked_at is not None
        )
        if latest
        else None
    )
    status = portal_status(contact.registered, state if contact.portal_access else None, now)
    return PortalAccess(
        contact_id=contact.id,
        enabled=contact.portal_access,
        status=status,  # type: ignore[arg-type]
        send_at=latest.send_at if latest else None,
        sent_at=latest.sent_at if latest else None,
        expires_at=latest.expires_at if latest else None,
    )
