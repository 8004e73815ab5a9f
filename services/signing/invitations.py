"""What a party is sent, each with a fresh secret link: the invitation when their order's turn
comes, reminders while they have not acted, and the signed copy at completion. Shared by the API
and the jobs; each stages its commands and events in the caller's transaction."""

from datetime import datetime, timedelta

from services.signing import domain, tokens
from services.signing.models import LinkKind, NewAuditEvent, NewLink, PartyRow, SigningRow
from services.signing.settings import SigningSettings
from services.signing.store import audit, links, parties
from shared.bus import put
from shared.database import Connection
from shared.events.signing import (
    PartyInvited,
    SendSignedCopy,
    SendSigningInvitation,
    SendSigningReminder,
    SigningReminderDue,
)


def _page(settings: SigningSettings, page: str, token: str) -> str:
    """A page of the web client with the token in the fragment, which a browser never sends:
    no server, proxy or access log on the way sees it. The page calls the API with it."""
    return f"{settings.public_url.rstrip('/')}/{page}#token={token}"


def party_url(settings: SigningSettings, token: str) -> str:
    """The signing page; it calls `/api/v1/sign/{token}/...`."""
    return _page(settings, "sign", token)


def copy_url(settings: SigningSettings, token: str) -> str:
    """The page that downloads the sealed PDF from `/api/v1/sign/{token}/copy`."""
    return _page(settings, "signed-copy", token)


async def new_link(
    conn: Connection, signing: SigningRow, party: PartyRow, kind: LinkKind, expires: datetime,
    now: datetime,
) -> str:  # fmt: skip
    token, digest = tokens.new_token()
    link = NewLink(
        token_hash=digest, kind=kind, party_id=party.id, signing_id=signing.id,
        firm_id=signing.firm_id, created_at=now, expires_at=expires,
    )  # fmt: skip
    await links.insert_link(conn, link)
    return token


async def invite_due(
    conn: Connection, settings: SigningSettings, signing: SigningRow, rows: list[PartyRow],
    now: datetime,
) -> list[PartyRow]:  # fmt: skip
    """Invite the current order's parties who have not been; returns them."""
    due = domain.to_invite(rows)
    for party in due:
        await _invite(conn, settings, signing, party, now)
    return due


async def _invite(
    conn: Connection, settings: SigningSettings, signing: SigningRow, party: PartyRow,
    now: datetime,
) -> None:  # fmt: skip
    expires = domain.link_expiry(signing, now, settings.link_ttl_days)
    token = await new_link(conn, signing, party, "sign", expires, now)
    await parties.update_invited(conn, party.id, now)
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(signing, now, "invited", party_id=party.id),
    )
    command = SendSigningInvitation(
        signing_id=signing.id, party_id=party.id, email=party.email, name=party.name,
        language=signing.language, document_name=signing.document_name, role=party.role,
        message=signing.message, link=party_url(settings, token), expires_at=expires,
    )  # fmt: skip
    await put(conn, command, firm_id=signing.firm_id, actor=signing.created_by)
    invited = PartyInvited(
        signing_id=signing.id, client_id=signing.client_id, party_id=party.id,
        contact_id=party.contact_id, role=party.role,
    )  # fmt: skip
    await put(conn, invited, firm_id=signing.firm_id, actor=None)


async def remind(
    conn: Connection, settings: SigningSettings, signing: SigningRow, party: PartyRow,
    now: datetime,
) -> None:  # fmt: skip
    expires = domain.link_expiry(signing, now, settings.link_ttl_days)
    token = await new_link(conn, signing, party, "sign", expires, now)
    await parties.update_reminded(conn, party.id, now)
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(signing, now, "reminded", party_id=party.id),
    )
    command = SendSigningReminder(
        signing_id=signing.id, party_id=party.id, email=party.email, name=party.name,
        language=signing.language, document_name=signing.document_name, role=party.role,
        link=party_url(settings, token), expires_at=expires,
    )  # fmt: skip
    await put(conn, command, firm_id=signing.firm_id, actor=None)
    due = SigningReminderDue(
        signing_id=signing.id, client_id=signing.client_id, party_id=party.id,
        contact_id=party.contact_id,
    )  # fmt: skip
    await put(conn, due, firm_id=signing.firm_id, actor=None)


async def send_copies(
    conn: Connection, settings: SigningSettings, signing: SigningRow, rows: list[PartyRow],
    now: datetime,
) -> None:  # fmt: skip
    """Everyone concerned gets a link to the signed copy (decliners are not concerned)."""
    expires = now + timedelta(days=settings.copy_link_ttl_days)
    for party in rows:
        token = await new_link(conn, signing, party, "copy", expires, now)
        command = SendSignedCopy(
            signing_id=signing.id, party_id=party.id, email=party.email, name=party.name,
            language=signing.language, document_name=signing.document_name,
            link=copy_url(settings, token), expires_at=expires,
        )  # fmt: skip
        await put(conn, command, firm_id=signing.firm_id, actor=None)
