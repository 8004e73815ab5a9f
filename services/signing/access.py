"""Load what the caller may see, or 404: a signing request for staff who see its client or for
a contact who is one of its parties; a party's secret link for whoever holds it. 404 rather
than 403, so that nothing tells a caller that a request or a link exists. The staff rule is
the kit's (`shared.auth.staff_sees_client`); the SQL is in the store."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.signing import domain, tokens
from services.signing.models import LinkKind, PartyRow, SigningRow
from services.signing.store import links, parties, replicas, signings
from shared.auth import Principal, staff_sees_client
from shared.database import Connection
from shared.errors import Gone, NotFound
from shared.replicas import waited_for


async def sees_client(conn: Connection, principal: Principal, client_id: UUID) -> bool:
    """Staff who see the client: owners and admins every one, members their assigned ones."""
    if not principal.is_staff:
        return False
    if principal.sees_every_client:
        return True
    assigned = await replicas.get_assigned(conn, principal.firm_id, principal.user_id, client_id)
    return staff_sees_client(principal.role, assigned)


async def require_client(
    conn: Connection, principal: Principal, client_id: UUID, *, wait: float = 0.0
) -> None:
    """A client this staff member sees; any other is 404. A member this replica has no
    assignment for yet waits up to `wait` seconds for one (assigned a moment ago)."""
    if principal.is_staff and not principal.sees_every_client:
        await waited_for(
            lambda: replicas.assignment_known(
                conn, principal.firm_id, principal.user_id, client_id
            ),
            wait,
        )
    if not await sees_client(conn, principal, client_id):
        raise NotFound("No such client.")


async def require_signing(
    conn: Connection, principal: Principal, signing_id: UUID, *, lock: bool = False
) -> SigningRow:
    """The request if this principal may see it; anything else is 404, leaking nothing."""
    load = signings.lock_signing if lock else signings.get_signing
    signing = await load(conn, principal.firm_id, signing_id)
    if signing is None or not await _may_see(conn, principal, signing):
        raise NotFound("No such signing request.")
    return signing


async def _may_see(conn: Connection, principal: Principal, signing: SigningRow) -> bool:
    if principal.is_staff:
        return await sees_client(conn, principal, signing.client_id)
    if principal.client_id != signing.client_id:
        return False
    return await parties.get_is_party(conn, signing.firm_id, signing.id, principal.user_id)


@dataclass(frozen=True)
class PartyContext:
    """A party's link opened: their request, its parties, and the party themselves."""

    signing: SigningRow
    parties: list[PartyRow]
    party: PartyRow


async def _load(conn: Connection, token: str, kind: LinkKind, lock: bool) -> PartyContext:
    link = await links.get_link(conn, tokens.hash_token(token))
    if link is None or link.kind != kind:
        raise NotFound("No such signing link.")
    load = signings.lock_signing if lock else signings.get_signing
    signing = await load(conn, link.firm_id, link.signing_id)
    if signing is None:
        raise NotFound("No such signing link.")
    rows = await parties.list_parties(conn, signing.firm_id, signing.id)
    party = next(p for p in rows if p.id == link.party_id)
    if link.expires_at <= datetime.now(link.expires_at.tzinfo):
        raise Gone("This link has expired.")
    return PartyContext(signing, rows, party)


async def require_party(
    conn: Connection, token: str, at: datetime, *, lock: bool = False
) -> PartyContext:
    """A sign link: usable by its party only while the request is active and they have not
    acted; otherwise 410. `lock` locks the request, so parallel parties take turns."""
    context = await _load(conn, token, "sign", lock)
    domain.require_active(context.signing, at)
    if context.party.status in ("signed", "declined"):
        raise domain.NoLongerActive(f"you have already {context.party.status}")
    return context


async def require_copy(conn: Connection, token: str) -> PartyContext:
    """A copy link: the sealed PDF of a completed request; 410 once it is no longer that."""
    context = await _load(conn, token, "copy", lock=False)
    if context.signing.state != "completed":
        raise Gone("The signed copy is no longer available.")
    return context
