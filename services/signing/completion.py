"""Completion: when every signer and approver has signed, seal the PDF, store it back through
documents, and close the request. Safe to run again at any step and from any replica: the
sealed bytes are recorded before documents is asked, and that ask has a fixed key."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.signing import domain, files, invitations
from services.signing.certificates import Sealer
from services.signing.models import AuditRow, NewAuditEvent, PartyRow, SigningRow
from services.signing.sealing import Certificate, EventLine, PartyLine, render_certificate, seal
from services.signing.store import audit, parties, signings
from shared.bus import put
from shared.database import Connection
from shared.errors import DomainError
from shared.events.documents import StoredDocument, StoreSignedDocument
from shared.events.signing import SigningCompleted

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

log = logging.getLogger(__name__)


def certificate(
    signing: SigningRow,
    rows: list[PartyRow],
    trail: list[AuditRow],
    drawn: dict[UUID, bytes],
    now: datetime,
) -> Certificate:
    names = {p.id: p.name for p in rows}
    acted = {(e.party_id, e.action): e for e in trail if e.action in ("signed", "approved")}
    lines = [_party_line(p, acted.get((p.id, "approved" if p.role == "approver" else "signed")),
                         drawn.get(p.id))
             for p in rows]  # fmt: skip
    events = [
        EventLine(e.at, e.action, names.get(e.party_id, "") if e.party_id else "", e.method,
                  e.address, e.user_agent)
        for e in trail
    ]  # fmt: skip
    return Certificate(
        language=signing.language, signing_id=str(signing.id),
        document_name=signing.document_name, document_sha256=signing.document_sha256,
        completed_at=now, parties=lines, events=events,
    )  # fmt: skip


def _party_line(party: PartyRow, act: AuditRow | None, drawn: bytes | None) -> PartyLine:
    outcome = {"signer": "signed", "approver": "approved"}.get(party.role, "")
    return PartyLine(
        name=party.name, email=party.email, role=party.role, method=party.method,
        outcome=outcome if party.status == "signed" else (party.status if outcome else ""),
        acted_at=party.acted_at, address=act.address if act else None, drawn=drawn,
    )  # fmt: skip


async def complete(deps: SigningDeps, signing_id: UUID) -> bool:
    """Finish one request if it is due; False if it is not (or another replica has it)."""
    sealed = await _seal_once(deps, signing_id)
    if sealed is None:
        return False
    request = await _store_request(deps, sealed)
    stored = await deps.documents.store_signed(sealed.firm_id, request)
    return await _close(deps, sealed.firm_id, signing_id, stored)


async def _seal_once(deps: SigningDeps, signing_id: UUID) -> SigningRow | None:
    async with deps.db.transaction() as conn:
        signing = await signings.lock_signing_if_free(conn, signing_id)
        if signing is None or signing.state != "sent" or signing.halted:
            return None
        rows = await parties.list_parties(conn, signing.firm_id, signing_id)
        if not domain.all_signed(rows):
            return None
        if signing.sealed_sha256 is None:
            trail = await audit.list_audit(conn, signing.firm_id, signing_id)
            drawn = await parties.list_drawn_signatures(conn, signing.firm_id, signing_id)
            try:
                cert = certificate(signing, rows, trail, drawn, datetime.now(UTC))
                digest, size = await _seal(deps, signing, cert)
            except domain.Tampered as tampered:
                await halt(conn, signing, tampered)
                return None
            except domain.SealFailed as failed:
                await _unsealed(conn, signing, failed)
                return None
            await signings.update_sealed(conn, signing.firm_id, signing_id, digest, size)
            signing = signing.model_copy(update={"sealed_sha256": digest, "sealed_size": size})
    return signing


async def halt(conn: Connection, signing: SigningRow, error: DomainError) -> None:
    """Tampering stops the request for good; staff see why in needs-attention."""
    now = datetime.now(UTC)
    await signings.update_halted(conn, signing.firm_id, signing.id, error.detail)
    await audit.insert_audit(
        conn,
        NewAuditEvent.on(signing, now, "halted", detail=error.detail),
    )
    log.error("signing %s halted: %s", signing.id, error.detail)


async def _unsealed(conn: Connection, signing: SigningRow, error: domain.SealFailed) -> None:
    """Recorded on the request (staff see it) and, the first time, in its audit trail; the
    completion job tries again. The request stays `sent`: never completed without its seal."""
    if signing.unsealed is None:
        await audit.insert_audit(
            conn, NewAuditEvent.on(signing, datetime.now(UTC), "unsealed", detail=error.detail)
        )
    await signings.update_unsealed(conn, signing.firm_id, signing.id, error.detail)
    log.error("signing %s not sealed yet: %s", signing.id, error.detail)


async def _seal(deps: SigningDeps, signing: SigningRow, cert: Certificate) -> tuple[str, int]:
    store = deps.store
    original, found = await files.fetch(store, files.original_key(signing.id))
    with original, files.new_spool() as output:
        domain.require_untampered(signing.document_sha256, found)
        await asyncio.to_thread(_render_and_seal, deps.sealer, cert, original, output)
        digest = await asyncio.to_thread(_sha256, output)
        size = await files.put(store, files.signed_key(signing.id), output, "application/pdf")
    return digest, size


def _render_and_seal(
    sealer: Sealer, cert: Certificate, original: files.Spool, output: files.Spool
) -> None:
    seal(original, render_certificate(cert), sealer, output)


def _sha256(spool: files.Spool) -> str:
    spool.seek(0)
    digest = hashlib.file_digest(spool, "sha256").hexdigest()  # type: ignore[arg-type]  # IO[bytes] has readinto at run time
    spool.seek(0)
    return digest


async def _store_request(deps: SigningDeps, signing: SigningRow) -> StoreSignedDocument:
    url = await deps.store.presigned_url(
        files.signed_key(signing.id), deps.settings.source_url_ttl_seconds
    )
    assert signing.sealed_sha256 is not None
    assert signing.sealed_size is not None
    return StoreSignedDocument(
        idempotency_key=f"signing-store:{signing.id}", original_document_id=signing.document_id,
        name=files.signed_name(signing.document_name), size=signing.sealed_size,
        sha256=signing.sealed_sha256, source_url=url, signing_id=signing.id,
    )  # fmt: skip


async def _close(
    deps: SigningDeps, firm_id: UUID, signing_id: UUID, stored: StoredDocument
) -> bool:
    async with deps.db.transaction() as conn:
        signing = await signings.lock_signing(conn, firm_id, signing_id)
        if signing is None or signing.state != "sent":
            return False
        now = datetime.now(UTC)
        await signings.update_completed(conn, firm_id, signing_id, stored.document_id, now)
        await audit.insert_audit(
            conn,
            NewAuditEvent.on(
                signing,
                now,
                "completed",
                document_sha256=signing.sealed_sha256,
                detail=str(stored.document_id),
            ),
        )
        completed = SigningCompleted(
            signing_id=signing_id, client_id=signing.client_id, document_id=signing.document_id,
            signed_document_id=stored.document_id, folder_id=stored.folder_id,
            signed_sha256=signing.sealed_sha256 or "",
        )  # fmt: skip
        await put(conn, completed, firm_id=signing.firm_id, actor=None)
        rows = await parties.list_parties(conn, firm_id, signing_id)
        await invitations.send_copies(conn, deps.settings, signing, rows, now)
    return True
