"""Creating, sending and cancelling a request: the credit is taken once per request (its key is
the request's id), even if send is retried or the process dies between reserving and
committing; cancelling before anyone signed gives it back once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from services.signing import billing, domain, invitations, originals
from services.signing.models import (
    NewAuditEvent,
    NewParty,
    NewSigning,
    PartyIn,
    PartyRow,
    SigningRow,
)
from services.signing.personal_numbers import PersonalNumbers
from services.signing.store import audit, parties, replicas, signings
from shared.auth import Principal
from shared.bus import put
from shared.database import Connection
from shared.errors import Invalid
from shared.events.signing import (
    PartySummary,
    SendSigningCancelled,
    SigningCancelled,
    SigningCreated,
    SigningSent,
)

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

log = logging.getLogger(__name__)


def summaries(rows: list[PartyRow]) -> list[PartySummary]:
    """The parties as events name them (no email, no personal number)."""
    return [
        PartySummary(
            party_id=p.id, name=p.name, role=p.role, order=p.sign_order, method=p.method,
            contact_id=p.contact_id,
        )
        for p in rows
    ]  # fmt: skip


def new_parties(
    signing_id: UUID, firm_id: UUID, given: list[PartyIn], numbers: PersonalNumbers
) -> list[NewParty]:
    return [_new_party(signing_id, firm_id, i, p, numbers) for i, p in enumerate(given)]


def _new_party(
    signing_id: UUID, firm_id: UUID, position: int, p: PartyIn, numbers: PersonalNumbers
) -> NewParty:
    party_id = uuid4()
    number = p.personal_number and domain.normalise_personal_number(p.personal_number)
    return NewParty(
        id=party_id, signing_id=signing_id, firm_id=firm_id, position=position, name=p.name,
        email=str(p.email), phone=p.phone,
        personal_number_sealed=numbers.seal(party_id, number) if number else None,
        role=p.role, sign_order=p.order, method=p.method, contact_id=p.contact_id,
    )  # fmt: skip


async def require_contacts(conn: Connection, new: NewSigning, given: list[NewParty]) -> None:
    for index, party in enumerate(given):
        if party.contact_id and not await replicas.get_linked(
            conn, new.firm_id, party.contact_id, new.client_id
        ):
            raise Invalid("That contact is not linked to this client.", field=f"parties.{index}")


async def store_draft(
    conn: Connection, new: NewSigning, given: list[NewParty]
) -> tuple[SigningRow, list[PartyRow]]:
    """The draft and its parties as stored, with the event that announces it."""
    if await signings.get_active_for_document(conn, new.firm_id, new.document_id):
        raise domain.AlreadyInSigning()
    await require_contacts(conn, new, given)
    signing = await signings.insert_signing(conn, new)
    rows = [await parties.insert_party(conn, party) for party in given]
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(signing, signing.created_at, "created"),
    )
    created = SigningCreated(
        signing_id=signing.id, client_id=signing.client_id, document_id=signing.document_id,
        document_name=signing.document_name, language=signing.language,
        parties=summaries(rows),
    )  # fmt: skip
    await put(conn, created, firm_id=signing.firm_id, actor=signing.created_by)
    return signing, rows


async def refresh_original(
    deps: SigningDeps, principal: Principal, signing: SigningRow
) -> SigningRow:
    """A draft follows the document's latest version; what is sent is hashed now."""
    source = await originals.open_source(deps, principal, signing.document_id)
    if source.sha256 == signing.document_sha256:
        return signing
    copied = await originals.copy_original(deps, source, signing.id)
    async with deps.db.transaction() as conn:
        await signings.update_original(
            conn, signing.firm_id, signing.id, source.name, copied.sha256, copied.size
        )
    return signing.model_copy(
        update={
            "document_name": source.name,
            "document_sha256": copied.sha256,
            "document_size": copied.size,
        }
    )


async def start_sending(deps: SigningDeps, principal: Principal, signing_id: UUID) -> str:
    """Note that a credit is being taken (so a cancel gives it back); returns its key."""
    async with deps.db.transaction() as conn:
        signing = await signings.lock_signing(conn, principal.firm_id, signing_id)
        assert signing is not None
        if signing.state == "draft":
            await signings.update_credit(conn, principal.firm_id, signing_id, "reserving")
    return billing.credit_key(signing_id, signing.credit_attempt)


async def refused(deps: SigningDeps, firm_id: UUID, signing_id: UUID) -> None:
    async with deps.db.transaction() as conn:
        await signings.update_credit_refused(conn, firm_id, signing_id)


async def finish_sending(
    deps: SigningDeps, principal: Principal, signing_id: UUID, at: datetime
) -> None:
    async with deps.db.transaction() as conn:
        signing = await signings.lock_signing(conn, principal.firm_id, signing_id)
        if signing is None or signing.state != "draft":
            return
        await signings.update_state(conn, signing.firm_id, signing_id, "sent", at)
        await signings.update_credit(conn, signing.firm_id, signing_id, "committed")
        await audit.insert_audit(
            conn,
            NewAuditEvent.on(signing, at, "sent", document_sha256=signing.document_sha256),
        )
        rows = await parties.list_parties(conn, signing.firm_id, signing_id)
        sent = SigningSent(
            signing_id=signing_id, client_id=signing.client_id, document_id=signing.document_id,
            document_name=signing.document_name, document_sha256=signing.document_sha256,
            expires_at=signing.expires_at, parties=summaries(rows),
        )  # fmt: skip
        await put(conn, sent, firm_id=signing.firm_id, actor=principal.user_id)
        await invitations.invite_due(conn, deps.settings, signing, rows, at)


async def send(deps: SigningDeps, principal: Principal, signing: SigningRow, at: datetime) -> None:
    """Reserve → commit → mark sent and invite; every step is safe to repeat."""
    signing = await refresh_original(deps, principal, signing)
    key = await start_sending(deps, principal, signing.id)
    if not await deps.billing.reserve_credit(principal.firm_id, key, principal.user_id):
        await refused(deps, principal.firm_id, signing.id)
        raise billing.no_credit()
    await deps.billing.commit_credit(principal.firm_id, key, principal.user_id)
    await finish_sending(deps, principal, signing.id, at)


async def cancel(
    conn: Connection, principal: Principal, signing: SigningRow, reason: str, at: datetime
) -> bool:
    """Close the request; True when its credit is to go back to the balance."""
    firm_id = signing.firm_id
    rows = await parties.list_parties(conn, firm_id, signing.id)
    domain.require_cancellable(signing, rows)
    returning = domain.returns_credit(signing, rows)
    await signings.update_state(conn, firm_id, signing.id, "cancelled", at)
    await signings.update_credit(
        conn, firm_id, signing.id, domain.credit_after_cancel(signing, rows)
    )
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(signing, at, "cancelled", detail=reason),
    )
    event = SigningCancelled(
        signing_id=signing.id, client_id=signing.client_id, credit_returned=returning
    )
    await put(conn, event, firm_id=signing.firm_id, actor=principal.user_id)
    for party in domain.told_of_cancellation(rows):
        notice = SendSigningCancelled(
            signing_id=signing.id, party_id=party.id, email=party.email, name=party.name,
            language=signing.language, document_name=signing.document_name, reason=reason,
        )  # fmt: skip
        await put(conn, notice, firm_id=signing.firm_id, actor=principal.user_id)
    return returning


async def release(
    deps: SigningDeps, firm_id: UUID, signing_id: UUID, attempt: int, actor: UUID | None
) -> None:
    """Give the credit back and note it; a failure leaves `releasing` for the job to retry."""
    await deps.billing.release_credit(firm_id, billing.credit_key(signing_id, attempt), actor)
    async with deps.db.transaction() as conn:
        await signings.update_credit_released(conn, firm_id, signing_id)
