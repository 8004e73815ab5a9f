"""A party's short session for signing, opened once they proved who they are by their method;
sent back as the `X-Signing-Session` header (a `click` party needs none)."""

from datetime import datetime, timedelta

from aiohttp import web

from services.signing import domain, tokens
from services.signing.models import PartyRow, Session
from services.signing.settings import SigningSettings
from services.signing.store import parties
from shared.database import Connection

SESSION_HEADER = "X-Signing-Session"


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
