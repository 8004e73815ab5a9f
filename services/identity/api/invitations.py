"""Invitations waiting for a signed-in account: someone who already has an account may accept
an invitation to their own address from inside the portal, instead of from the mailed link.
Either way the address is proven, by the link or by the account's own sign-in (ARCHITECTURE §4)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from services.identity.api.limits import caller_address
from services.identity.api.links import accept_invitation, invitee_of, raised
from services.identity.models import Proof, Strict, Tokens
from services.identity.sessions import credentials_holder, current_session
from services.identity.store import contacts
from shared.auth import Principal
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("auth")


class PendingInvitation(BaseModel):
    id: UUID
    firm_id: UUID
    firm_name: str
    kind: Literal["staff", "contact"]
    expires_at: datetime


class PendingInvitations(BaseModel):
    items: list[PendingInvitation]


class AcceptIn(Strict):
    totp: str | None = Field(None, max_length=6, description="Code, if the account uses TOTP.")


@api.get(
    "/api/v1/me/invitations",
    summary="Invitations sent to my account's email that I have not accepted yet",
    response=PendingInvitations,
    errors=(403,),
)
async def list_pending(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> PendingInvitations:
    async with deps.db.transaction(readonly=True) as conn:
        account = await credentials_holder(conn, principal)
        found = await contacts.list_pending_invitations(conn, account.email)
    return PendingInvitations(items=[PendingInvitation(**row) for row in found])


@api.post(
    "/api/v1/me/invitations/{invitation_id}/accept",
    summary="Accept an invitation to my account's email and switch into it",
    body=AcceptIn,
    response=Tokens,
    errors=(401, 403, 410, 422),
)
async def accept_pending(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: AcceptIn
) -> Tokens:
    """Only a session opened with the account's own password or a link mailed to it may
    accept; a staff membership with TOTP on asks for the code as every way in does."""
    invitation_id = path_uuid(request, "invitation_id")
    async with deps.db.transaction() as conn:
        account = await credentials_holder(conn, principal)
        used = await contacts.use_invitation_for(conn, invitation_id, account.email)
        invitee = await invitee_of(conn, used, "invitation_id")
        proof = Proof(method=(await current_session(conn, principal)).method)
        source = caller_address(request, deps)
        outcome = await accept_invitation(deps, conn, invitee, proof, body.totp, source=source)
    return raised(outcome)
