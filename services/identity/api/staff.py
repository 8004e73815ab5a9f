"""The firm's staff: invite, change role, deactivate, assign clients to members."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from aiohttp import web

from services.identity import invitations
from services.identity.access import require_client, require_staff
from services.identity.clock import now
from services.identity.domain import check_deactivation, check_role_change, normal_email
from services.identity.models import (
    AssignedClient,
    AssignedClients,
    NewStaff,
    Staff,
    StaffInvite,
    StaffList,
    StaffOut,
    StaffUpdate,
)
from services.identity.revocations import revoke_person
from services.identity.store import accounts, firms
from shared.auth import ADMIN_ROLES, Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Forbidden, Invalid
from shared.events.identity import (
    StaffAssigned,
    StaffCreated,
    StaffDeactivated,
    StaffUnassigned,
    StaffUpdated,
)
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("staff")


def _out(staff: Staff) -> StaffOut:
    return StaffOut(**staff.model_dump(exclude={"firm_id", "account_id"}))


@api.get("/api/v1/staff", summary="The firm's staff", access="staff", response=StaffList)
async def list_staff(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> StaffList:
    async with deps.db.transaction(readonly=True) as conn:
        found = await firms.list_staff(conn, principal.firm_id)
    return StaffList(items=[_out(s) for s in found])


@api.post(
    "/api/v1/staff",
    summary="Invite a staff user with a role; the invitation email goes out now",
    access="staff",
    roles=ADMIN_ROLES,
    body=StaffInvite,
    response=StaffOut,
    status=201,
    errors=(403, 422),
)
async def invite_staff(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: StaffInvite
) -> StaffOut:
    email = normal_email(body.email)
    if body.role == "owner" and principal.role != "owner":
        raise Forbidden("Only an owner may invite an owner.")
    async with deps.db.transaction() as conn:
        firm = await firms.get_firm(conn, principal.firm_id)
        assert firm is not None
        account = await accounts.get_account_by_email(conn, email)
        account = account or await accounts.insert_account(conn, email, None)
        if await firms.get_staff_by_account(conn, firm.id, account.id) is not None:
            raise Invalid("This person is already staff of the firm.", field="email")
        new = NewStaff(
            firm_id=firm.id, account_id=account.id, name=body.name.strip(), role=body.role,
            language=body.language or firm.default_language, registered=False,
        )  # fmt: skip
        staff_id = await firms.insert_staff(conn, new)
        staff = await firms.get_staff(conn, firm.id, staff_id)
        assert staff is not None
        await put(conn, StaffCreated(**staff.public()), firm_id=firm.id, actor=principal.user_id)
        invitation = await invitations.schedule(conn, firm.id, staff_id=staff_id, send_at=now())
        await invitations.send_due(deps.settings, conn, now(), only=invitation)
        staff = await firms.get_staff(conn, firm.id, staff_id)
    assert staff is not None
    return _out(staff)


@api.patch(
    "/api/v1/staff/{staff_id}",
    summary="Change a staff user's role",
    access="staff",
    roles=ADMIN_ROLES,
    body=StaffUpdate,
    response=StaffOut,
    errors=(403, 404, 409, 422),
)
async def change_role(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: StaffUpdate
) -> StaffOut:
    staff_id = path_uuid(request, "staff_id")
    async with deps.db.transaction() as conn:
        staff = await require_staff(conn, principal, staff_id, lock=True)
        others = await firms.count_other_owners(conn, principal.firm_id, staff.id)
        check_role_change(principal.role or "", staff.role, body.role, others)
        await firms.update_staff_role(conn, principal.firm_id, staff.id, body.role)
        staff = staff.model_copy(update={"role": body.role})
        event = StaffUpdated(**staff.public())
        await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
    return _out(staff)


@api.post(
    "/api/v1/staff/{staff_id}/deactivate",
    summary="Deactivate a staff user; their sessions end at once",
    access="staff",
    roles=ADMIN_ROLES,
    response=StaffOut,
    errors=(403, 404, 409),
)
async def deactivate(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> StaffOut:
    staff_id = path_uuid(request, "staff_id")
    async with deps.db.transaction() as conn:
        staff = await require_staff(conn, principal, staff_id, lock=True)
        others = await firms.count_other_owners(conn, principal.firm_id, staff.id)
        check_deactivation(principal.role or "", staff.role, others)
        await _deactivate(conn, principal, staff)
    return _out(staff.model_copy(update={"active": False}))


async def _deactivate(conn: Connection, principal: Principal, staff: Staff) -> None:
    await firms.deactivate_staff(conn, principal.firm_id, staff.id)
    await revoke_person(conn, principal.firm_id, staff.id, principal.user_id)
    await invitations.revoke(conn, principal.firm_id, staff_id=staff.id)
    event = StaffDeactivated(staff_id=staff.id)
    await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)


async def _member_and_client(
    request: web.Request, conn: Connection, principal: Principal
) -> tuple[Staff, UUID]:
    staff = await require_staff(conn, principal, path_uuid(request, "staff_id"))
    client = await require_client(conn, principal, path_uuid(request, "client_id"))
    return staff, client.id


@api.get(
    "/api/v1/staff/{staff_id}/clients",
    summary="The clients assigned to a staff user (a member sees only these)",
    access="staff", roles=ADMIN_ROLES, response=AssignedClients, errors=(403, 404),
)  # fmt: skip
async def assigned_clients(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> AssignedClients:
    async with deps.db.transaction(readonly=True) as conn:
        staff = await require_staff(conn, principal, path_uuid(request, "staff_id"))
        rows = await firms.list_assigned_clients(conn, principal.firm_id, staff.id)
    return AssignedClients(clients=[AssignedClient(client_id=i, name=n) for i, n in rows])


@api.put(
    "/api/v1/staff/{staff_id}/clients/{client_id}",
    summary="Let a member see a client",
    access="staff",
    roles=ADMIN_ROLES,
    status=204,
    errors=(403, 404),
)
async def assign(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        staff, client_id = await _member_and_client(request, conn, principal)
        if await firms.insert_assignment(conn, principal.firm_id, staff.id, client_id):
            event = StaffAssigned(staff_id=staff.id, client_id=client_id)
            await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)


@api.delete(
    "/api/v1/staff/{staff_id}/clients/{client_id}",
    summary="Stop a member seeing a client",
    access="staff",
    roles=ADMIN_ROLES,
    status=204,
    errors=(403, 404),
)
async def unassign(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        staff, client_id = await _member_and_client(request, conn, principal)
        if await firms.delete_assignment(conn, principal.firm_id, staff.id, client_id):
            event = StaffUnassigned(staff_id=staff.id, client_id=client_id)
            await put(conn, event, firm_id=principal.firm_id, actor=principal.user_id)
