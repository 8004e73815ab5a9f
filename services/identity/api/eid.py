"""eID sign-in for contacts: start with a personal identity number, collect until confirmed.

A contact without an email gives one when collecting; the order stays open until they do.
"""

from datetime import timedelta
from typing import Literal
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from services.identity.api.common import db, now, unique_violation
from services.identity.domain import normal_email, normal_personal_number
from services.identity.models import Account, Contact, Strict, Tokens, email_field
from services.identity.resources import EID
from services.identity.sessions import choose_context, open_session
from services.identity.store import accounts, contacts
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Forbidden, Gone, Invalid
from shared.events.identity import ContactRegistered, ContactUpdated
from shared.http.routing import Api

api = Api("auth")

ORDER_MINUTES = 5
DEAD_ORDER = "This eID order is not valid: it is unknown, used or expired."


class EidStart(Strict):
    personal_number: str = Field(min_length=10, max_length=20)


class EidOrder(BaseModel):
    order_ref: str


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
    errors=(422,),
)
async def start(request: web.Request, *, body: EidStart) -> EidOrder:
    number = normal_personal_number(body.personal_number, now().date())
    order_ref = await request.app[EID].start(number)
    async with db(request).transaction() as conn:
        expires = now() + timedelta(minutes=ORDER_MINUTES)
        await accounts.insert_eid_order(conn, order_ref, number, expires)
    return EidOrder(order_ref=order_ref)


@api.post(
    "/api/v1/auth/eid/collect",
    summary="Ask whether the eID sign-in is confirmed; when it is, the tokens",
    access="public",
    body=EidCollect,
    response=EidResult,
    errors=(403, 410, 422),
)
async def collect(request: web.Request, *, body: EidCollect) -> EidResult:
    result = await request.app[EID].collect(body.order_ref)
    if result.status == "failed":
        raise Gone(DEAD_ORDER, field="order_ref")
    if result.status == "pending":
        return EidResult(status="pending")
    try:
        async with db(request).transaction() as conn:
            return EidResult(status="complete", tokens=await _complete(request, conn, body))
    except asyncpg.UniqueViolationError as error:
        raise unique_violation(error) from None


async def _complete(request: web.Request, conn: Connection, body: EidCollect) -> Tokens:
    number = await accounts.lock_eid_order(conn, body.order_ref)
    if number is None:
        raise Gone(DEAD_ORDER, field="order_ref")
    people = await contacts.list_by_personal_number(conn, number)
    if not people:
        raise Forbidden("No portal access is linked to this person.")
    account = await _account(conn, people, body.email)
    for contact in people:
        await _link(conn, contact, account)
    await accounts.use_eid_order(conn, body.order_ref)
    context = await choose_context(conn, account.id, body.firm_id, body.client_id, "eid")
    return await open_session(request.app, conn, account.id, context)


async def _account(conn: Connection, people: list[Contact], given: str | None) -> Account:
    """The person's one account: found by any email their contacts hold, or the given one."""
    emails = [c.email for c in people if c.email] or ([normal_email(given)] if given else [])
    if not emails:
        raise Invalid("Give an email address to go on.", field="email")
    for email in emails:
        found = await accounts.get_account_by_email(conn, email)
        if found is not None:
            return found
    return await accounts.insert_account(conn, emails[0], None)


async def _link(conn: Connection, contact: Contact, account: Account) -> None:
    if contact.email is None:
        await contacts.set_email(conn, contact.id, account.email)
        updated = contact.model_copy(update={"email": account.email})
        keep = {"first_name", "last_name", "email", "phone", "language"}
        event = ContactUpdated(contact_id=contact.id, **updated.model_dump(include=keep))
        await put(conn, event, firm_id=contact.firm_id, actor=contact.id)
    if contact.account_id is None or not contact.registered:
        await contacts.link_account(conn, contact.id, account.id, registered=True)
        event = ContactRegistered(contact_id=contact.id)
        await put(conn, event, firm_id=contact.firm_id, actor=contact.id)
