"""eID sign-in for contacts: start with a personal identity number, collect until confirmed;
and an account verifying its own number, so that eID opens it too.

A contact without an email gives one when collecting; the order stays open until they do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from services.identity.api.contacts import unique_violation
from services.identity.api.limits import caller_address, starting_eid
from services.identity.clock import now
from services.identity.domain import normal_email, normal_personal_number
from services.identity.models import Contact, NewEidOrder, Proof, Strict, Tokens, email_field
from services.identity.sessions import choose_context, credentials_holder, open_session
from services.identity.store import accounts, contacts
from shared.auth import Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.eid import EidProvider, qr_data
from shared.errors import Conflict, Forbidden, Gone, Invalid
from shared.events.identity import ContactRegistered, ContactUpdated
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("auth")

ORDER_MINUTES = 5
DEAD_ORDER = "This eID order is not valid: it is unknown, used or expired."


class EidStart(Strict):
    personal_number: str = Field(min_length=10, max_length=20)


class EidOrder(BaseModel):
    order_ref: str
    auto_start_token: str | None = Field(
        None, description="Opens the eID app on this device (BankID's autoStartToken)."
    )


class EidOrderRef(Strict):
    order_ref: str = Field(min_length=1, max_length=2000)


class EidQr(BaseModel):
    qr_data: str | None = Field(
        description="What the QR code shows now; it changes every second, so ask again each "
        "second. Null when the provider has no QR code or the order is no longer waiting."
    )


class EidCollect(Strict):
    order_ref: str = Field(min_length=1, max_length=2000)
    email: str | None = email_field(None)
    firm_id: UUID | None = None
    client_id: UUID | None = None


class EidResult(BaseModel):
    status: Literal["pending", "complete"]
    tokens: Tokens | None = None


@api.post(
    "/api/v1/auth/eid/start",
    summary="Start an eID sign-in; the person confirms in their eID app",
    access="public",
    body=EidStart,
    response=EidOrder,
    status=201,
    errors=(409, 422, 429, 503),
)
async def start(request: web.Request, *, deps: IdentityDeps, body: EidStart) -> EidOrder:
    """Answers the same whether or not anyone carries the number."""
    provider = _provider(deps)
    number = normal_personal_number(body.personal_number, now().date())
    number_digest = deps.numbers.digest(number)
    source = caller_address(request, deps)
    await starting_eid(deps, source, number_digest)
    order = await provider.start(end_user_ip=source, personal_number=number)
    stored = NewEidOrder(
        order_ref=order.order_ref,
        personal_number_digest=number_digest,
        expires_at=now() + timedelta(minutes=ORDER_MINUTES),
    )
    if order.qr_start_token and order.qr_start_secret:
        sealed = deps.keys.sealer.seal(order.order_ref, order.qr_start_secret.encode())
        stored = stored.model_copy(
            update={"qr_start_token": order.qr_start_token, "qr_start_secret": sealed}
        )
    async with deps.db.transaction() as conn:
        await accounts.insert_eid_order(conn, stored)
    return EidOrder(order_ref=order.order_ref, auto_start_token=order.auto_start_token)


@api.post(
    "/api/v1/auth/eid/qr",
    summary="The animated QR code's data for an eID order, for another device to scan",
    access="public",
    body=EidOrderRef,
    response=EidQr,
    errors=(422,),
)
async def qr(request: web.Request, *, deps: IdentityDeps, body: EidOrderRef) -> EidQr:
    """Made here from the order's secret and its age, so the secret never leaves the server."""
    async with deps.db.transaction(readonly=True) as conn:
        token, sealed, seconds = await accounts.get_eid_qr(conn, body.order_ref)
    if token is None or sealed is None:
        return EidQr(qr_data=None)
    secret = deps.keys.sealer.open(body.order_ref, sealed).decode()
    return EidQr(qr_data=qr_data(token, secret, seconds))


def _provider(deps: IdentityDeps) -> EidProvider:
    provider = deps.eid
    if provider is None:
        raise Conflict("eID sign-in is not available here.")
    return provider


@api.post(
    "/api/v1/auth/eid/collect",
    summary="Ask whether the eID sign-in is confirmed; when it is, the tokens",
    access="public",
    body=EidCollect,
    response=EidResult,
    errors=(403, 409, 410, 422),
)
async def collect(request: web.Request, *, deps: IdentityDeps, body: EidCollect) -> EidResult:
    """The eID proves the personal number and nothing else: the session opens the contacts with
    portal access that carry it, and an account that verified it itself."""
    number = await _confirmed(deps, body.order_ref)
    if number is None:
        return EidResult(status="pending")
    try:
        async with deps.db.transaction() as conn:
            tokens = await _complete(deps, conn, body, number, caller_address(request, deps))
    except asyncpg.UniqueViolationError as error:
        raise unique_violation(error) from None
    return EidResult(status="complete", tokens=tokens)


async def _confirmed(deps: IdentityDeps, order_ref: str) -> bytes | None:
    """The digest of the number the provider vouched for; None while the person has not yet
    confirmed; 410 for a failed, unknown, used or forged order.

    The confirmation is kept with the order, since a real provider answers a completed order
    only once and the sign-in may still wait for an email; the provider must vouch for the
    very number the order was started for."""
    async with deps.db.transaction(readonly=True) as conn:
        order = await accounts.get_eid_order(conn, order_ref)
    if order is None:
        raise Gone(DEAD_ORDER, field="order_ref")
    number, confirmed = order
    if confirmed:
        return number
    result = await _provider(deps).collect(order_ref)
    if result.status == "pending":
        return None
    vouched = deps.numbers.digest(result.personal_number or "")
    if result.status == "failed" or not result.personal_number or vouched != number:
        raise Gone(DEAD_ORDER, field="order_ref")
    async with deps.db.transaction() as conn:
        await accounts.confirm_eid_order(conn, order_ref)
    return number


async def _complete(
    deps: IdentityDeps, conn: Connection, body: EidCollect, number: bytes, source: str
) -> Tokens:
    if await accounts.lock_eid_order(conn, body.order_ref) != number:
        raise Gone(DEAD_ORDER, field="order_ref")
    people = [c for c, _firm in await contacts.list_number_memberships(conn, number)]
    account = await accounts.get_account_by_number(conn, number)
    if not people and account is None:
        raise Forbidden("No portal access is linked to this person.")
    given = normal_email(body.email) if body.email else None
    for contact in people:
        await _first_sign_in(conn, contact, given)
    await accounts.use_eid_order(conn, body.order_ref)
    proof = Proof(
        method="eid", account_id=account.id if account else None, personal_number_digest=number
    )
    context = await choose_context(conn, proof, body.firm_id, body.client_id)
    return await open_session(deps, conn, proof, context, source=source)


async def _first_sign_in(conn: Connection, contact: Contact, given: str | None) -> None:
    """A contact without an email gives one (kept on the contact, for mail; it links no
    account); a first sign-in counts as registering."""
    if contact.email is None:
        if given is None:
            raise Invalid("Give an email address to go on.", field="email")
        await contacts.set_email(conn, contact.firm_id, contact.id, given)
        updated = contact.model_copy(update={"email": given})
        event = ContactUpdated(**updated.public())
        await put(conn, event, firm_id=contact.firm_id, actor=contact.id)
    if not contact.registered:
        await contacts.mark_registered(conn, contact.firm_id, contact.id)
        registered = ContactRegistered(contact_id=contact.id)
        await put(conn, registered, firm_id=contact.firm_id, actor=contact.id)


@api.put(
    "/api/v1/me/personal-number",
    summary="Verify my personal number with a confirmed eID order, so eID opens my account",
    body=EidOrderRef,
    status=204,
    errors=(403, 409, 410, 422),
)
async def verify_number(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: EidOrderRef
) -> None:
    """Needs a session opened with the account's own password or an emailed link; start the
    order at /api/v1/auth/eid/start. The number itself is never stored."""
    async with deps.db.transaction(readonly=True) as conn:
        # Who may do this comes first: a secret-link session is refused whatever the order.
        await credentials_holder(conn, principal)
    number = await _confirmed(deps, body.order_ref)
    if number is None:
        raise Conflict("The eID order is not confirmed yet.", field="order_ref")
    try:
        async with deps.db.transaction() as conn:
            account = await credentials_holder(conn, principal)
            if await accounts.lock_eid_order(conn, body.order_ref) != number:
                raise Gone(DEAD_ORDER, field="order_ref")
            await accounts.use_eid_order(conn, body.order_ref)
            await accounts.set_personal_number(conn, account.id, number)
    except asyncpg.UniqueViolationError:
        raise Conflict("Another account has verified this personal number.") from None
