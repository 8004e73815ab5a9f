"""Firm sign-up and the firm's own settings."""

from uuid import UUID

from aiohttp import web

from services.identity.api.common import ADMINS, db, require_firm
from services.identity.domain import check_password, language_for, normal_email
from services.identity.models import Account, Context, Firm, FirmUpdate, SignedUp, SignUp
from services.identity.resources import PASSWORDS
from services.identity.sessions import open_session
from services.identity.store import accounts, firms
from shared.auth import Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Conflict
from shared.events.identity import FirmCreated, FirmUpdated, StaffCreated
from shared.http.routing import Api

api = Api("firms")


@api.post(
    "/api/v1/firms",
    summary="Sign a firm up: the firm and its owner's account",
    access="public",
    body=SignUp,
    response=SignedUp,
    status=201,
    errors=(409, 422),
)
async def sign_up(request: web.Request, *, body: SignUp) -> SignedUp:
    email = normal_email(body.owner_email, "owner_email")
    passwords = request.app[PASSWORDS]
    check_password(
        body.owner_password, passwords.common, second_factor=False, field="owner_password"
    )
    hashed = await passwords.hash(body.owner_password)
    async with db(request).transaction() as conn:
        account = await _owner_account(request, conn, email, body.owner_password, hashed)
        language = body.default_language or language_for(body.country)
        firm = await firms.insert_firm(conn, body.name.strip(), body.country, body.plan, language)
        owner_id = await firms.insert_staff(
            conn, firm.id, account.id, name=body.owner_name.strip(), role="owner",
            language=language, registered=True,
        )  # fmt: skip
        await _announce(conn, firm, owner_id, body.owner_name.strip(), email)
        context = Context(firm_id=firm.id, kind="staff", person_id=owner_id, role="owner")
        tokens = await open_session(request.app, conn, account.id, context)
    return SignedUp(firm=firm, owner_id=owner_id, tokens=tokens)


async def _owner_account(
    request: web.Request, conn: Connection, email: str, password: str, hashed: str
) -> Account:
    """One account per email: someone who already has one proves it with its password."""
    existing = await accounts.get_account_by_email(conn, email)
    if existing is None:
        return await accounts.insert_account(conn, email, hashed)
    if not await request.app[PASSWORDS].verify(existing.password_hash, password):
        raise Conflict(
            "This email already has an account; sign up with that account's password.",
            field="owner_email",
        )
    return existing


async def _announce(conn: Connection, firm: Firm, owner_id: UUID, name: str, email: str) -> None:
    created = FirmCreated(
        firm_id=firm.id, name=firm.name, country=firm.country, plan=firm.plan,
        default_language=firm.default_language, owner_id=owner_id,
    )  # fmt: skip
    await put(conn, created, firm_id=firm.id, actor=owner_id)
    staff = StaffCreated(
        staff_id=owner_id, name=name, email=email, role="owner", language=firm.default_language
    )
    await put(conn, staff, firm_id=firm.id, actor=owner_id)


@api.get("/api/v1/firms/current", summary="The firm of my token", response=Firm)
async def get_firm(request: web.Request, *, principal: Principal) -> Firm:
    async with db(request).transaction(readonly=True) as conn:
        return await require_firm(conn, principal)


@api.patch(
    "/api/v1/firms/current",
    summary="Change the firm's name or default language",
    access="staff",
    roles=ADMINS,
    body=FirmUpdate,
    response=Firm,
    errors=(422,),
)
async def update_firm(request: web.Request, *, principal: Principal, body: FirmUpdate) -> Firm:
    async with db(request).transaction() as conn:
        firm = await require_firm(conn, principal)
        firm = await firms.update_firm(
            conn,
            firm.id,
            (body.name or firm.name).strip(),
            body.default_language or firm.default_language,
        )
        event = FirmUpdated(firm_id=firm.id, name=firm.name, default_language=firm.default_language)
        await put(conn, event, firm_id=firm.id, actor=principal.user_id)
    return firm
