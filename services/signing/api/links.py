"""A party's link: load-or-404 (or 410 once it is of no more use) and their session."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from services.signing import domain, tokens
from services.signing.models import PartyRow, Session, SigningRow
from services.signing.settings import SigningSettings
from services.signing.store import links, parties, signings
from shared.database import Connection
from shared.errors import Gone, NotFound

SESSION_HEADER = "X-Signing-Session"


@dataclass(frozen=True)
class PartyContext:
    signing: SigningRow
    parties: list[PartyRow]
    party: PartyRow


async def _load(conn: Connection, token: str, kind: links.Kind, lock: bool) -> PartyContext:
    link = await links.get_link(conn, tokens.hash_token(token))
    if link is None or link.kind != kind:
        raise NotFound("No such signing link.")
    load = signings.lock_signing if lock else signings.get_signing
    signing = await load(conn, link.firm_id, link.signing_id)
    if signing is None:
        raise NotFound("No such signing link.")
    rows = await parties.list_parties(conn, signing.id)
    party = next(p for p in rows if p.id == link.party_id)
    if link.expires_at <= datetime.now(link.expires_at.tzinfo):
        raise Gone("This link has expired.")
    return PartyContext(signing, rows, party)


async def load_party(
    conn: Connection, token: str, at: datetime, *, lock: bool = True
) -> PartyContext:
    """A sign link: usable by its party only while the request is active and they have not
    acted; otherwise 410. Locks the request so parallel parties take turns."""
    context = await _load(conn, token, "sign", lock)
    domain.require_active(context.signing, at)
    if context.party.status in ("signed", "declined"):
        raise domain.NoLongerActive(f"you have already {context.party.status}")
    return context


async def load_copy(conn: Connection, token: str) -> PartyContext:
    context = await _load(conn, token, "copy", lock=False)
    if context.signing.state != "completed":
        raise Gone("The signed copy is no longer available.")
    return context


def authenticated(request: web.Request, party: PartyRow, at: datetime) -> bool:
    given = request.headers.get(SESSION_HEADER, "")
    matches = bool(given) and tokens.same_hash(party.session_hash, tokens.hash_token(given))
    return domain.is_authenticated(party, matches, at)


def require_authenticated(request: web.Request, party: PartyRow, at: datetime) -> None:
    if not authenticated(request, party, at):
        raise domain.NotAuthenticated(party.method)


async def open_session(
    conn: Connection, settings: SigningSettings, party: PartyRow, at: datetime
) -> Session:
    token, digest = tokens.new_token()
    expires = at + timedelta(seconds=settings.session_ttl_seconds)
    await parties.update_session(conn, party.id, digest, expires)
    return Session(session=token, expires_at=expires)
