"""Firm portal settings, personal secret links and each contact's portal URL."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from services.identity.access import require_contact
from services.identity.api.bulk import BulkItem, grant_one
from services.identity.api.limits import caller_address
from services.identity.invitations import portal_url
from services.identity.models import Contact, Proof, Strict, Tokens, secret_field
from services.identity.revocations import ended
from services.identity.sessions import choose_context, open_session
from services.identity.store import accounts, contacts, portal
from services.identity.tokens import digest, new_secret
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Conflict, Gone, NotFound
from shared.events.identity import (
    ContactRegistered,
    PortalSettingsChanged,
    SecretLinkIssued,
    SecretLinkRevoked,
)
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("portal")

Method = Literal["password", "magic_link", "eid", "secret_link"]
DEAD_LINK = "This link is not valid."


class PortalSettings(BaseModel):
    sign_in_methods: list[Method]
    portal_access_default: bool


class PortalSettingsIn(Strict):
    sign_in_methods: list[Method] = Field(min_length=1, max_length=4)
    portal_access_default: bool = False
    enable_for_existing: bool = Field(
        False, description="Also switch access on for every existing contact (invitations go "
        "out in batches from `send_at`)."
    )  # fmt: skip
    send_at: datetime | None = None


class PortalSettingsOut(PortalSettings):
    enabled: list[BulkItem] = []


class Link(BaseModel):
    url: str


class SecretSignIn(Strict):
    token: str = secret_field()


@api.get(
    "/api/v1/firms/current/portal-settings",
    summary="How the firm's customers may sign in",
    access="staff",
    response=PortalSettings,
)
async def get_settings(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> PortalSettings:
    async with deps.db.transaction(readonly=True) as conn:
        methods, default = await portal.get_settings(conn, principal.firm_id)
    return PortalSettings(sign_in_methods=methods, portal_access_default=default)  # type: ignore[arg-type]


@api.put(
    "/api/v1/firms/current/portal-settings",
    summary="Choose customers' sign-in methods and whether new contacts get portal access",
    access="staff",
    roles=ADMIN_ROLES,
    body=PortalSettingsIn,
    response=PortalSettingsOut,
    errors=(403, 409, 422),
)
async def put_settings(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: PortalSettingsIn
) -> PortalSettingsOut:
    methods = sorted(set(body.sign_in_methods))
    if "eid" in methods and deps.eid is None:
        raise Conflict(
            "eID sign-in is not available: the platform has no eID provider configured.",
            field="sign_in_methods",
        )
    enabled: list[BulkItem] = []
    async with deps.db.transaction() as conn:
        await portal.update_settings(conn, principal.firm_id, methods, body.portal_access_default)
        changed = PortalSettingsChanged(
            sign_in_methods=methods, portal_access_default=body.portal_access_default
        )
        await put(conn, changed, firm_id=principal.firm_id, actor=principal.user_id)
        if body.enable_for_existing:
            for contact_id in await portal.list_contacts_without_access(conn, principal.firm_id):
                enabled.append(
                    await grant_one(deps.settings, conn, principal, contact_id, body.send_at)
                )
    return PortalSettingsOut(
        sign_in_methods=methods,  # type: ignore[arg-type]
        portal_access_default=body.portal_access_default,
        enabled=enabled,
    )


@api.get(
    "/api/v1/contacts/{contact_id}/portal-url",
    summary="The address that leads the contact to sign in, their email filled in",
    access="staff",
    response=Link,
    errors=(404, 409),
)
async def get_portal_url(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> Link:
    async with deps.db.transaction(readonly=True) as conn:
        contact = await require_contact(conn, principal, path_uuid(request, "contact_id"))
    if contact.email is None:
        raise Conflict("The contact has no email address.")
    return Link(url=portal_url(deps.settings.public_url, contact.email))


@api.post(
    "/api/v1/contacts/{contact_id}/secret-link",
    summary="Make (or replace) the contact's personal secret link; shown only now (sessions "
    "of an earlier link end)",
    access="staff",
    response=Link,
    status=201,
    errors=(404, 409),
)
async def make_secret_link(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> Link:
    token = new_secret()
    async with deps.db.transaction() as conn:
        contact = await require_contact(conn, principal, path_uuid(request, "contact_id"))
        methods, _default = await portal.get_settings(conn, principal.firm_id)
        if "secret_link" not in methods:
            raise Conflict("Secret links are off for this firm; switch them on first.")
        await portal.replace_secret_link(conn, principal.firm_id, contact.id, digest(token))
        revoked = await accounts.revoke_link_sessions(conn, principal.firm_id, contact.id)
        await ended(conn, revoked, principal.user_id)
        issued = SecretLinkIssued(contact_id=contact.id)
        await put(conn, issued, firm_id=principal.firm_id, actor=principal.user_id)
    return Link(url=f"{deps.settings.public_url}/s#token={token}")


@api.delete(
    "/api/v1/contacts/{contact_id}/secret-link",
    summary="Revoke the contact's secret link; the sessions it opened end at once",
    access="staff",
    status=204,
    errors=(404,),
)
async def revoke_secret_link(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> None:
    async with deps.db.transaction() as conn:
        contact = await require_contact(conn, principal, path_uuid(request, "contact_id"))
        if not await portal.delete_secret_link(conn, principal.firm_id, contact.id):
            raise NotFound("The contact has no secret link.")
        revoked = await accounts.revoke_link_sessions(conn, principal.firm_id, contact.id)
        await ended(conn, revoked, principal.user_id)
        withdrawn = SecretLinkRevoked(contact_id=contact.id)
        await put(conn, withdrawn, firm_id=principal.firm_id, actor=principal.user_id)


@api.post(
    "/api/v1/auth/secret-link/sign-in",
    summary="Sign in with a personal secret link (each use is logged)",
    access="public",
    body=SecretSignIn,
    response=Tokens,
    errors=(403, 410, 422),
)
async def secret_sign_in(request: web.Request, *, deps: IdentityDeps, body: SecretSignIn) -> Tokens:
    """The session is confined to the link's one contact at its firm: it cannot switch, see
    other memberships or change credentials, and no account is linked by it."""
    async with deps.db.transaction() as conn:
        found = await portal.find_secret_link(conn, digest(body.token))
        contact = await contacts.get_contact(conn, *found) if found else None
        if contact is None or not contact.portal_access:
            raise Gone(DEAD_LINK, field="token")
        source = caller_address(request, deps)
        await portal.insert_secret_link_use(conn, contact.firm_id, contact.id, source)
        await _first_use(conn, contact)
        proof = Proof(method="secret_link", contact_id=contact.id, firm_id=contact.firm_id)
        context = await choose_context(conn, proof, contact.firm_id, None)
        return await open_session(deps, conn, proof, context, source=source)


async def _first_use(conn: Connection, contact: Contact) -> None:
    """The link stands in for registration; the firm made it, so it proves the contact and
    never an account, whatever account the contact's email may have."""
    if contact.registered:
        return
    await contacts.mark_registered(conn, contact.firm_id, contact.id)
    event = ContactRegistered(contact_id=contact.id)
    await put(conn, event, firm_id=contact.firm_id, actor=contact.id)
