"""Creating, sending and cancelling a request: the credit is taken once per request (its key is
the request's id), even if send is retried or the process dies between reserving and
committing; cancelling before anyone signed gives it back once."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from services.signing import billing, domain, invitations, originals
from services.signing.models import PartyIn, PartyRow, SigningRow
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


def party_rows(signing_id: UUID, given: list[PartyIn], numbers: PersonalNumbers) -> list[PartyRow]:
    return [_party_row(signing_id, i, p, uuid4(), numbers) for i, p in enumerate(given)]


def _party_row(
    signing_id: UUID, position: int, p: PartyIn, party_id: UUID, numbers: PersonalNumbers
) -> PartyRow:
    number = p.personal_number and domain.normalise_personal_number(p.personal_number)
    return PartyRow(
        id=party_id, signing_id=signing_id, position=position, name=p.name, email=str(p.email),
        phone=p.phone, personal_number_sealed=numbers.seal(party_id, number) if number else None,
        role=p.role, sign_order=p.order, method=p.method, contact_id=p.contact_id,
        status="waiting", invited_at=None, viewed_at=None, acted_at=None, reminded_at=None,
        decline_reason=None, typed_name=None, otp_hash=None, otp_expires_at=None,
        otp_sent_at=None, otp_attempts=0, eid_order=None, session_hash=None,
        session_expires_at=None,
    )  # fmt: skip


async def require_contacts(conn: Connection, signing: SigningRow, rows: list[PartyRow]) -> None:
    for index, party in enumerate(rows):
        if party.contact_id and not await replicas.get_linked(
            conn, signing.firm_id, party.contact_id, signing.client_id
        ):
            raise Invalid("That contact is not linked to this client.", field=f"parties.{index}")


async def store_draft(conn: Connection, signing: SigningRow, rows: list[PartyRow]) -> None:
    if await signings.get_active_for_document(conn, signing.firm_id, signing.document_id):
        raise domain.AlreadyInSigning()
    await require_contacts(conn, signing, rows)
    await signings.insert_signing(conn, signing)
    for party in rows:
        await parties.insert_party(conn, signing.firm_id, party)
    await audit.insert_audit(conn, signing.id, signing.firm_id, signing.created_at, "created")
    created = SigningCreated(
        signing_id=signing.id, client_id=signing.client_id, document_id=signing.document_id,
        document_name=signing.document_name, language=signing.language,
        parties=summaries(rows),
    )  # fmt: skip
    await put(conn, created, firm_id=signing.firm_id, actor=signing.created_by)


async def refresh_original(
    deps: SigningDeps, principal: Principal, signing: SigningRow
) -> SigningRow:
    """A draft follows the document's latest version; what is sent is hashed now."""
    source = await originals.open_source(deps, principal, signing.document_id)
    if source.sha256 == signing.document_sha256:
        return signing
    copied = await originals.copy_original(deps, source, signing.id)
    async with deps.db.transaction() as conn:
        await signings.update_original(conn, signing.id, source.name, copied.sha256, copied.size)
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
            await signings.update_credit(conn, signing_id, "reserving")
    return billing.credit_key(signing_id, signing.credit_attempt)


async def refused(deps: SigningDeps, signing_id: UUID) -> None:
    async with deps.db.transaction() as conn:
        await signings.update_credit_refused(conn, signing_id)


async def finish_sending(
    deps: SigningDeps, principal: Principal, signing_id: UUID, at: datetime
) -> None:
    async with deps.db.transaction() as conn:
        signing = await signings.lock_signing(conn, principal.firm_id, signing_id)
        if signing is None or signing.state != "draft":
            return
        await signings.update_state(conn, signing_id, "sent", at)
        await signings.update_credit(conn, signing_id, "committed")
        await audit.insert_audit(
            conn, signing_id, signing.firm_id, at, "sent", document_sha256=signing.document_sha256
        )
        rows = await parties.list_parties(conn, signing_id)
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
        await refused(deps, signing.id)
        raise billing.no_credit()
    await deps.billing.commit_credit(principal.firm_id, key, principal.user_id)
    await finish_sending(deps, principal, signing.id, at)


async def cancel(
    conn: Connection, principal: Principal, signing: SigningRow, reason: str, at: datetime
) -> bool:
    """Close the request; True when its credit is to go back to the balance."""
    rows = await parties.list_parties(conn, signing.id)
    domain.require_cancellable(signing, rows)
    returning = domain.returns_credit(signing, rows)
    await signings.update_state(conn, signing.id, "cancelled", at)
    await signings.update_credit(conn, signing.id, domain.credit_after_cancel(signing, rows))
    await audit.insert_audit(conn, signing.id, signing.firm_id, at, "cancelled", detail=reason)
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
        await signings.update_credit_released(conn, signing_id)
