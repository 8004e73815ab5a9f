"""Opening a firm: the firm, its owner and their announcements, in the caller's transaction.

Two ways in. A sign-up's confirmation opens it for the account that proved the mailed link
(api/firms.py). An operator opens it with `portalctl firm create`, straight on identity's
database (no public route, nothing new to authenticate): the owner is then invited by mail
like any staff user, so the email is proven by whoever opens the link (ARCHITECTURE §4: an
email someone typed in never links an account by itself).
"""

from uuid import UUID

from services.identity import invitations
from services.identity.clock import now
from services.identity.domain import normal_email
from services.identity.models import Account, Firm, NewFirm, NewStaff
from services.identity.settings import IdentitySettings
from services.identity.store import accounts, firms
from shared.bus.outbox import put
from shared.database import Connection
from shared.events.identity import FirmCreated, StaffCreated


async def open_firm(
    conn: Connection, new: NewFirm, owner: Account, owner_name: str, *, registered: bool
) -> tuple[Firm, UUID]:
    """The firm and its owner (staff id), announced."""
    firm = await firms.insert_firm(conn, new)
    staff = NewStaff(
        firm_id=firm.id, account_id=owner.id, name=owner_name, role="owner",
        language=new.default_language, registered=registered,
    )  # fmt: skip
    owner_id = await firms.insert_staff(conn, staff)
    created = FirmCreated(
        firm_id=firm.id, name=firm.name, country=firm.country, plan=firm.plan,
        default_language=firm.default_language, owner_id=owner_id,
    )  # fmt: skip
    await put(conn, created, firm_id=firm.id, actor=owner_id)
    announced = StaffCreated(
        staff_id=owner_id, name=owner_name, email=owner.email, role="owner",
        language=firm.default_language,
    )  # fmt: skip
    await put(conn, announced, firm_id=firm.id, actor=owner_id)
    return firm, owner_id


async def open_for_operator(
    settings: IdentitySettings, conn: Connection, new: NewFirm, owner_email: str, owner_name: str
) -> tuple[Firm, UUID]:
    """A firm whose owner is invited now to the email given (a new account if it has none)."""
    email = normal_email(owner_email, "owner_email")
    account = await accounts.get_account_by_email(conn, email)
    account = account or await accounts.insert_account(conn, email, None)
    firm, owner_id = await open_firm(conn, new, account, owner_name.strip(), registered=False)
    invitation = await invitations.schedule(conn, firm.id, staff_id=owner_id, send_at=now())
    await invitations.send_due(settings, conn, now(), only=invitation)
    return firm, owner_id
