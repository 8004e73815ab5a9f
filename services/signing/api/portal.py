"""A signed-in contact opens, from the portal, the party page of a request waiting for them:
the same page as the mailed link, reached with a fresh link of their own instead of the mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from services.signing import domain, invitations
from services.signing.access import require_signing
from services.signing.api.evidence import now
from services.signing.models import PartyLink
from services.signing.store import parties
from shared.auth import Principal
from shared.errors import Conflict
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

api = Api("signing")


@api.post(
    "/api/v1/signings/{signing_id}/party-link",
    summary="A contact who is a party: a fresh link to their party page, when it is their turn",
    access="contact", response=PartyLink, status=201, errors=(404, 409, 410),
)  # fmt: skip
async def party_link(request: web.Request, *, deps: SigningDeps, principal: Principal) -> PartyLink:
    at = now()
    async with deps.db.transaction() as conn:
        signing = await require_signing(conn, principal, path_uuid(request, "signing_id"))
        domain.require_active(signing, at)
        rows = await parties.list_parties(conn, signing.firm_id, signing.id)
        party = domain.portal_party(rows, principal.user_id)
        if party is None:
            raise Conflict("It is not your turn to sign this request.")
        expires = domain.link_expiry(signing, at, deps.settings.link_ttl_days)
        token = await invitations.new_link(conn, signing, party, "sign", expires, at)
    return PartyLink(
        token=token, url=invitations.party_url(deps.settings, token), expires_at=expires
    )
