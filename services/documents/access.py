"""Load-or-404 with "may this principal see it", shared by every route and RPC handler.

Anything the principal may not see raises NotFound, exactly as if it did not exist, so no
answer tells another firm's user, or another client's contact, that something is there.
What they can see but may not do (upload into a read-only folder) is Forbidden.

With `lock=True` the row is locked (FOR UPDATE) once the principal is known to see it, and the
locked, current row is returned: a change decided on it cannot race another one.
"""

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from services.documents import domain
from services.documents.models import (
    ApprovalOut,
    DocumentRow,
    FolderRow,
    RequestRow,
    ThreadRow,
)
from services.documents.store import activity as activity_store
from services.documents.store import documents as document_store
from services.documents.store import folders as folder_store
from services.documents.store import replicas
from services.documents.store import requests as request_store
from services.documents.store import threads as thread_store
from shared.auth import Principal, staff_sees_client
from shared.database import Connection
from shared.errors import Forbidden, NotFound
from shared.replicas import NotCaughtUp, waited_for

Need = Literal["see", "read", "upload", "manage"]
# Only a contact's own token leads here (the client it names), never a made-up id, so the wait
# costs nobody but the contact who signed in a moment before identity's events arrived.
STANDING_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Seen:
    """A folder the principal may see, and the contact's standing at its client (staff: None)."""

    folder: FolderRow
    standing: domain.Standing | None

    def allows(self, need: Need) -> bool:
        if self.standing is None:
            return True
        rules, standing = self.folder.rules, self.standing
        checks = {
            "see": domain.contact_sees_folder,
            "read": domain.contact_reads,
            "upload": domain.contact_uploads,
            "manage": domain.contact_manages,
        }
        return checks[need](rules, standing)


async def require_client(
    conn: Connection, principal: Principal, client_id: UUID, *, wait: float = 0.0
) -> domain.Standing | None:
    """The client, if the principal may see it; a contact only under the client it acts for.
    Staff naming a client this replica does not know yet wait up to `wait` seconds for it (a
    client just created); a contact's token proves their standing, so one not heard of yet is
    waited for and then 503, never 404 (shared/replicas.py)."""
    missing = NotFound("No such client.")
    if principal.is_staff:
        known = lambda: replicas.client_exists(conn, principal.firm_id, client_id)  # noqa: E731
        if not await waited_for(known, wait):
            raise missing
        assigned = not principal.sees_every_client and await replicas.is_assigned(
            conn, principal.firm_id, principal.user_id, client_id
        )
        if not staff_sees_client(principal.role, assigned):
            raise missing
        return None
    if principal.client_id != client_id:
        raise missing
    standing = await waited_for(
        lambda: replicas.get_standing(conn, principal.firm_id, principal.user_id, client_id),
        STANDING_WAIT_SECONDS,
    )
    if standing is None:
        raise NotCaughtUp("Your access to this client is still being set up; try again shortly.")
    if not (standing.portal_access and standing.linked):
        raise missing
    return standing


async def require_folder(
    conn: Connection, principal: Principal, folder_id: UUID, need: Need = "see", *,
    lock: bool = False,
) -> Seen:  # fmt: skip
    missing = NotFound("No such folder.")
    folder = await folder_store.get_folder(conn, principal.firm_id, folder_id)
    if folder is None:
        raise missing
    try:
        standing = await require_client(conn, principal, folder.client_id)
    except NotFound:
        raise missing from None
    seen = Seen(folder, standing)
    if not seen.allows("see"):
        raise missing
    if not seen.allows(need):
        raise Forbidden("Your access to this folder does not allow this.")
    if lock:
        locked = await folder_store.lock_folder(conn, principal.firm_id, folder_id)
        if locked is None:
            raise missing
        seen = Seen(locked, standing)
    return seen


async def require_document(
    conn: Connection, principal: Principal, document_id: UUID, need: Need = "read", *,
    lock: bool = False,
) -> tuple[DocumentRow, Seen]:  # fmt: skip
    missing = NotFound("No such document.")
    document = await document_store.get_document(conn, principal.firm_id, document_id)
    if document is None:
        raise missing
    try:
        seen = await require_folder(conn, principal, document.folder_id, "read")
    except (NotFound, Forbidden):
        raise missing from None
    if not seen.allows(need):
        raise Forbidden("Your access to this folder does not allow this.")
    if lock:
        locked = await document_store.lock_document(conn, principal.firm_id, document_id)
        if locked is None:
            raise missing
        document = locked
    return document, seen


async def require_approval(
    conn: Connection, principal: Principal, approval_id: UUID, *, lock: bool = False
) -> tuple[ApprovalOut, DocumentRow]:
    """An approval request on a document the principal may read; one that names its contacts
    is seen only by them (and by staff)."""
    missing = NotFound("No such approval request.")
    document_id = await activity_store.approval_document(conn, principal.firm_id, approval_id)
    if document_id is None:
        raise missing
    document, _ = await require_document(conn, principal, document_id)
    get = activity_store.lock_approval if lock else activity_store.get_approval
    approval = await get(conn, principal.firm_id, approval_id)
    if approval is None:
        raise missing
    named = approval.contacts
    if not principal.is_staff and named is not None and principal.user_id not in named:
        raise missing
    return approval, document


async def require_request(
    conn: Connection, principal: Principal, request_id: UUID, *, lock: bool = False
) -> RequestRow:
    """A document request at a client the principal sees; a contact sees it only while in
    its audience (all portal contacts, or chosen) and with portal access."""
    missing = NotFound("No such request.")
    found = await request_store.get_request(conn, principal.firm_id, request_id)
    if found is None:
        raise missing
    try:
        standing = await require_client(conn, principal, found.client_id)
    except NotFound:
        raise missing from None
    if standing is not None and not domain.contact_in_request(
        found.audience_all, found.audience, standing
    ):
        raise missing
    if lock:
        found = await request_store.lock_request(conn, principal.firm_id, request_id)
        if found is None:
            raise missing
    return found


async def require_thread(
    conn: Connection, principal: Principal, thread_id: UUID, *, lock: bool = False
) -> ThreadRow:
    """A message thread at a client the principal sees; a contact sees it only while it
    includes them and they have portal access (losing access loses the thread at once)."""
    missing = NotFound("No such thread.")
    found = await thread_store.get_thread(conn, principal.firm_id, thread_id)
    if found is None:
        raise missing
    try:
        standing = await require_client(conn, principal, found.client_id)
    except NotFound:
        raise missing from None
    if standing is not None and not domain.contact_in_thread(found.contacts, standing):
        raise missing
    if lock:
        found = await thread_store.lock_thread(conn, principal.firm_id, thread_id)
        if found is None:
            raise missing
    return found


def staff_principal(firm_id: UUID, staff_id: UUID, role: str) -> Principal:
    """A staff user named in an RPC (signing acts on their behalf)."""
    return Principal(staff_id, firm_id, "staff", role, None, "rpc")


async def audience_of(conn: Connection, folder: FolderRow) -> list[UUID]:
    standings = await replicas.list_standings(conn, folder.firm_id, folder.client_id)
    return domain.audience(folder.rules, standings)
