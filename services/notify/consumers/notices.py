"""What each public event means to notify: which kind of message, reaching whom.

The rules of who hears about a client (ARCHITECTURE.md §8, issue 8): folder notices reach the
document's audience and the client's staff; notices about the client as a whole reach its
`operational` contacts; signing outcomes reach whoever started the signing; a customer who
registers is announced to the staff serving their clients; firm matters reach owners and
admins. The actor is never told of their own action (domain.recipients).
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING
from uuid import UUID

from services.notify.domain import ClientRole, Reach
from services.notify.fanout import Notice, fan_out
from services.notify.models import Signing
from services.notify.store import replicas
from shared.database import Connection
from shared.events import billing, documents, identity, signing
from shared.events.base import Envelope, Event
from shared.service import Handles

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps

GB = 10**9
OPERATIONAL: frozenset[ClientRole] = frozenset({"operational"})


def _gb(size: int) -> str:
    return f"{size / GB:.1f} GB"


def _folder_reach(audience: list[UUID]) -> Reach:
    return Reach(audience=frozenset(audience), client_staff=True)


async def _folder_name(conn: Connection, env: Envelope, folder_id: UUID) -> str:
    return await replicas.get_folder_name(conn, env.require_firm(), folder_id) or ""


async def _remember(conn: Connection, env: Envelope, document_id: UUID, name: str) -> None:
    """Document names, for events that only carry the id (an approval's answer)."""
    await replicas.upsert_document(conn, env.require_firm(), document_id, name)


async def document_uploaded(
    conn: Connection,
    e: documents.DocumentUploaded | documents.DocumentVersionAdded,
    env: Envelope,
    *,
    deps: "NotifyDeps",
) -> None:
    # A sealed PDF stored by signing is announced by signing_completed instead.
    if e.uploaded_by_kind == "signing":
        return
    await _remember(conn, env, e.document_id, e.name)
    context = {"document_name": e.name, "folder_name": await _folder_name(conn, env, e.folder_id)}
    notice = Notice("document_uploaded", _folder_reach(e.audience), f"/documents/{e.document_id}",
                    e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


async def comment_added(
    conn: Connection, e: documents.CommentAdded, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await _remember(conn, env, e.document_id, e.document_name)
    context = {"document_name": e.document_name, "comment": e.body}
    notice = Notice("comment_added", _folder_reach(e.audience), f"/documents/{e.document_id}",
                    e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


async def approval_requested(
    conn: Connection, e: documents.ApprovalRequested, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await _remember(conn, env, e.document_id, e.document_name)
    context = {"document_name": e.document_name, "message": e.message}
    notice = Notice("approval_requested", Reach(named=frozenset(e.contacts)),
                    f"/documents/{e.document_id}", e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


async def approval_answered(
    conn: Connection, e: documents.ApprovalAnswered, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    """Staff who serve the client learn the answer, and so do the client's operational
    contacts (someone else at the client answered); the one who answered is the actor."""
    name = await replicas.get_document_name(conn, env.require_firm(), e.document_id) or ""
    context = {"document_name": name, "accepted": e.answer == "accepted", "comment": e.comment}
    reach = Reach(
        client_roles=OPERATIONAL, client_staff=True, told_otherwise=frozenset({e.contact_id})
    )
    notice = Notice("approval_answered", reach, f"/documents/{e.document_id}", e.client_id, context)
    await fan_out(conn, notice, env, deps)


async def _signing(conn: Connection, env: Envelope, signing_id: UUID) -> Signing | None:
    return await replicas.get_signing(conn, env.require_firm(), signing_id)


def _starter(record: Signing | None) -> frozenset[UUID]:
    return frozenset({record.started_by}) if record and record.started_by else frozenset()


def _party_contacts(record: Signing | None) -> frozenset[UUID]:
    if record is None:
        return frozenset()
    return frozenset(UUID(p["contact_id"]) for p in record.parties.values() if p["contact_id"])


async def signing_completed(
    conn: Connection, e: signing.SigningCompleted, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    """The starter and the client's operational contacts; parties get their signed copy by
    a command of their own, so they are not told twice."""
    record = await _signing(conn, env, e.signing_id)
    reach = Reach(client_roles=OPERATIONAL, named=_starter(record),
                  told_otherwise=_party_contacts(record))  # fmt: skip
    context = {"document_name": record.document_name if record else ""}
    notice = Notice("signing_completed", reach, f"/documents/{e.signed_document_id}",
                    e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


async def party_declined(
    conn: Connection, e: signing.PartyDeclined, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    record = await _signing(conn, env, e.signing_id)
    party = record.parties.get(str(e.party_id), {}) if record else {}
    context = {"document_name": record.document_name if record else "",
               "party_name": party.get("name") or "", "reason": e.reason}  # fmt: skip
    notice = Notice("signing_declined", Reach(named=_starter(record)),
                    f"/signings/{e.signing_id}", e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


async def signing_expired(
    conn: Connection, e: signing.SigningExpired, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    record = await _signing(conn, env, e.signing_id)
    context = {"document_name": record.document_name if record else ""}
    notice = Notice("signing_expired", Reach(named=_starter(record)),
                    f"/signings/{e.signing_id}", e.client_id, context)  # fmt: skip
    await fan_out(conn, notice, env, deps)


async def reminder_due(
    conn: Connection, e: signing.SigningReminderDue, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    """Something awaits the client: its operational contacts hear of it (the reminded party
    has their own reminder with a link)."""
    record = await _signing(conn, env, e.signing_id)
    party = record.parties.get(str(e.party_id), {}) if record else {}
    reminded = frozenset({e.contact_id}) if e.contact_id else frozenset()
    context = {"document_name": record.document_name if record else "",
               "party_name": party.get("name") or ""}  # fmt: skip
    reach = Reach(client_roles=OPERATIONAL, told_otherwise=reminded)
    notice = Notice("signing_waiting", reach, f"/signings/{e.signing_id}", e.client_id, context)
    await fan_out(conn, notice, env, deps)


async def contact_registered(
    conn: Connection, e: identity.ContactRegistered, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    """The staff who serve each of the contact's clients learn that the customer is in."""
    firm_id = env.require_firm()
    name = await replicas.get_person_name(conn, firm_id, e.contact_id) or ""
    for client_id in await replicas.list_clients_of(conn, firm_id, e.contact_id):
        notice = Notice("contact_registered", Reach(client_staff=True), f"/clients/{client_id}",
                        client_id, {"contact_name": name})  # fmt: skip
        await fan_out(conn, notice, env, deps)


async def storage_threshold(
    conn: Connection, e: billing.StorageThresholdReached, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    context = {"threshold": e.threshold, "used": _gb(e.used), "limit": _gb(e.limit)}
    notice = Notice("storage_threshold_reached", Reach(firm_admins=True), "/billing", None, context)
    await fan_out(conn, notice, env, deps)


async def balance_depleted(
    conn: Connection, e: billing.BalanceDepleted, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    notice = Notice("balance_depleted", Reach(firm_admins=True), "/billing", None, {})
    await fan_out(conn, notice, env, deps)


HANDLERS: Mapping[type[Event], Handles] = {
    documents.DocumentUploaded: document_uploaded,
    documents.DocumentVersionAdded: document_uploaded,
    documents.CommentAdded: comment_added,
    documents.ApprovalRequested: approval_requested,
    documents.ApprovalAnswered: approval_answered,
    signing.SigningCompleted: signing_completed,
    signing.PartyDeclined: party_declined,
    signing.SigningExpired: signing_expired,
    signing.SigningReminderDue: reminder_due,
    identity.ContactRegistered: contact_registered,
    billing.StorageThresholdReached: storage_threshold,
    billing.BalanceDepleted: balance_depleted,
}
