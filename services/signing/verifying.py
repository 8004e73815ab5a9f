"""Verify a file anyone has: is it sealed by this platform, intact or changed since, when was it
sealed and timestamped, and — from the platform's own evidence, only for the request whose
sealed bytes are exactly these — who signed in which order by which method.

The file is hostile input: it is read in bounded pieces into a temporary spool (never stored),
and pyHanko parses it in a thread. Nothing of it outlives the request."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    EmbeddedPdfSignature,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from services.signing import files
from services.signing.certificates import Sealer
from services.signing.domain import UnreadableFile
from services.signing.models import PartyRow, SigningRow, Verification, VerifiedParty
from services.signing.sealing import FIELD
from services.signing.store import parties, signings
from shared.errors import TooLarge

if TYPE_CHECKING:
    from services.signing.app import SigningDeps


@dataclass(frozen=True)
class SealCheck:
    ours: bool
    intact: bool
    sealed_at: datetime | None
    timestamped_at: datetime | None
    authority: str | None
    long_term: bool


async def receive(chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[files.Spool, str]:
    """The body in a spool (rewound) and its SHA-256; TooLarge past `max_bytes`."""
    spool, digest, size = files.new_spool(), hashlib.sha256(), 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            spool.close()
            raise TooLarge(f"The file is larger than {max_bytes} bytes.", field="body")
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    return spool, digest.hexdigest()


def check_seal(pdf: files.Spool, sealer: Sealer) -> SealCheck | None:
    """The platform's seal in `pdf`, checked; None if the file has none (blocking)."""
    seal = _platform_seal(pdf)
    if seal is None:
        return None
    ours = seal.signer_cert.sha256 == sealer.certificate.sha256
    context = ValidationContext(
        trust_roots=[sealer.certificate, *sealer.trust_roots], allow_fetching=False
    )
    try:
        status = validate_pdf_signature(seal, context, ts_validation_context=context)
    except Exception:  # a seal so broken that pyHanko cannot even evaluate it is not intact
        return SealCheck(ours, False, None, None, None, False)
    stamp = status.timestamp_validity
    return SealCheck(
        ours=ours, intact=_intact(status), sealed_at=status.signer_reported_dt,
        timestamped_at=stamp.timestamp if stamp else None,
        authority=_name(stamp.signing_cert) if stamp else None,
        long_term=_has_validation_data(seal),
    )  # fmt: skip


def _platform_seal(pdf: files.Spool) -> EmbeddedPdfSignature | None:
    pdf.seek(0)
    if not pdf.read(5).startswith(b"%PDF-"):
        raise UnreadableFile("the file is not a PDF")
    try:
        reader = PdfFileReader(pdf, strict=False)
        return next((s for s in reader.embedded_signatures if s.field_name == FIELD), None)
    except Exception as error:  # hostile input: pyHanko raises many kinds on malformed files
        raise UnreadableFile("it cannot be read") from error


def _intact(status: PdfSignatureStatus) -> bool:
    """The signature holds and covers the file, or all that follows it is validation data
    (the DSS of a B-LT seal)."""
    if not (status.intact and status.valid):
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


def _has_validation_data(seal: EmbeddedPdfSignature) -> bool:
    try:
        dss = DocumentSecurityStore.read_dss(seal.reader)
    except NoDSSFoundError:
        return False
    return bool(dss.crls or dss.ocsps)


def _name(certificate: asn1_x509.Certificate) -> str:
    return certificate.subject.human_friendly


def _parties(rows: list[PartyRow]) -> list[VerifiedParty]:
    """Who acted, in the order they did."""
    acted = sorted(
        (p for p in rows if p.role != "viewer" and p.status == "signed"),
        key=lambda p: (p.acted_at is None, p.acted_at),
    )
    return [
        VerifiedParty(name=p.name, role=p.role, order=p.sign_order, method=p.method,
                      acted_at=p.acted_at)
        for p in acted
    ]  # fmt: skip


async def verify(deps: SigningDeps, chunks: AsyncIterator[bytes]) -> Verification:
    spool, sha256 = await receive(chunks, deps.settings.verify_max_bytes)
    with spool:
        check = await asyncio.to_thread(check_seal, spool, deps.sealer)
    if check is None:
        return Verification(sealed_by_platform=False, verdict="not_sealed")
    answer = Verification(
        sealed_by_platform=check.ours, verdict="intact" if check.intact else "changed",
        sealed_at=check.sealed_at, timestamped_at=check.timestamped_at,
        timestamp_authority=check.authority, long_term_validation=check.long_term,
    )  # fmt: skip
    if not (check.ours and check.intact):
        return answer
    return await _with_evidence(deps, answer, sha256)


async def _with_evidence(deps: SigningDeps, answer: Verification, sha256: str) -> Verification:
    async with deps.db.transaction(readonly=True) as conn:
        signing: SigningRow | None = await signings.get_by_sealed_sha256(conn, sha256)
        if signing is None:
            return answer
        rows = await parties.list_parties(conn, signing.firm_id, signing.id)
    return answer.model_copy(
        update={"document_name": signing.document_name, "completed_at": signing.closed_at,
                "parties": _parties(rows)}
    )  # fmt: skip
