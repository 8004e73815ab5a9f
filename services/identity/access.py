"""Load what the principal may see, or 404: another firm's row, or a client a member is not
assigned to, does not exist for them (a 403 would say that it does). The staff rule is the
kit's one rule (`shared.auth.staff_sees_client`); the SQL stays in the store."""

from collections.abc import Awaitable, Callable
from uuid import UUID

from services.identity.models import Client, Contact, Firm, Staff
from services.identity.store import clients, contacts, firms
from shared.auth import Principal, staff_sees_client
from shared.database import Connection
from shared.errors import NotFound


async def require_firm(conn: Connection, principal: Principal) -> Firm:
    firm = await firms.get_firm(conn, principal.firm_id)
    if firm is None:
        raise NotFound("No such firm.")
    return firm


async def require_client(
    conn: Connection, principal: Principal, client_id: UUID, *, lock: bool = False
) -> Client:
    """The client if this staff user may see it; another firm's or an unassigned one is 404."""
    load = clients.lock_client if lock else clients.get_client
    client = await load(conn, principal.firm_id, client_id)
    if client is None or not await _sees(
        principal, lambda: firms.is_assigned(conn, principal.firm_id, principal.user_id, client_id)
    ):
        raise NotFound("No such client.")
    return client


async def require_contact(
    conn: Connection, principal: Principal, contact_id: UUID, *, lock: bool = False
) -> Contact:
    """A member sees the contacts linked to one of their assigned clients."""
    load = contacts.lock_contact if lock else contacts.get_contact
    contact = await load(conn, principal.firm_id, contact_id)
    if contact is None or not await _sees(
        principal,
        lambda: clients.contact_visible_to(conn, principal.firm_id, contact_id, principal.user_id),
    ):
        raise NotFound("No such contact.")
    return contact


async def require_firm_contact(
    conn: Connection, principal: Principal, contact_id: UUID, *, lock: bool = False
) -> Contact:
    """Any contact of the firm, seen or not: what may be linked to a client the caller sees."""
    load = contacts.lock_contact if lock else contacts.get_contact
    contact = await load(conn, principal.firm_id, contact_id)
    if contact is None:
        raise NotFound("No such contact.")
    return contact


async def require_firm_contact_by_email(
    conn: Connection, principal: Principal, email: str
) -> Contact:
    """The firm's one record of the person at this address (seen or not: like an id, it may
    be linked to a client the caller sees), or 404. An exact address, never a search, so that
    a member cannot list the contacts of clients they do not see."""
    contact = await contacts.get_contact_by_email(conn, principal.firm_id, email)
    if contact is None:
        raise NotFound("No contact of the firm has this email.")
    return contact


async def require_staff(
    conn: Connection, principal: Principal, staff_id: UUID, *, lock: bool = False
) -> Staff:
    load = firms.lock_staff if lock else firms.get_staff
    staff = await load(conn, principal.firm_id, staff_id)
    if staff is None:
        raise NotFound("No such staff user.")
    return staff


async def _sees(principal: Principal, assigned: Callable[[], Awaitable[bool]]) -> bool:
    """Owners and admins see every client; the assignment is only asked for a member."""
    if not principal.is_staff:
        return False
    if principal.sees_every_client:
        return True
    return staff_sees_client(principal.role, await assigned())
