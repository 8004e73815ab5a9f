"""The answers' shapes, made from the rows: a request with its parties, progress and trail, and
the summaries of lists."""

from services.signing import domain
from services.signing.models import (
    AuditOut,
    AuditRow,
    PartyOut,
    PartyRow,
    Progress,
    SigningOut,
    SigningRow,
    SigningSummary,
)


def progress(rows: list[PartyRow]) -> Progress:
    acted, required = domain.progress(rows)
    return Progress(acted=acted, required=required)


def party_out(p: PartyRow) -> PartyOut:
    return PartyOut(
        id=p.id, name=p.name, email=p.email, role=p.role, order=p.sign_order, method=p.method,
        contact_id=p.contact_id, status=p.status, invited_at=p.invited_at,
        viewed_at=p.viewed_at, acted_at=p.acted_at, decline_reason=p.decline_reason,
    )  # fmt: skip


def signing_out(
    signing: SigningRow, rows: list[PartyRow], trail: list[AuditRow] | None = None
) -> SigningOut:
    return SigningOut(
        **signing.model_dump(
            include={
                "id", "client_id", "folder_id", "document_id", "document_name",
                "document_sha256", "attachments", "message", "language", "state", "halted",
                "unsealed", "expires_at", "reminder_days", "created_at", "sent_at", "closed_at",
                "signed_document_id",
            }
        ),
        progress=progress(rows),
        parties=[party_out(p) for p in rows],
        audit=[AuditOut(**a.model_dump()) for a in trail or []],
    )  # fmt: skip


def summary(signing: SigningRow, rows: list[PartyRow], reason: str | None = None) -> SigningSummary:
    return SigningSummary(
        id=signing.id, client_id=signing.client_id, document_name=signing.document_name,
        state=signing.state, halted=signing.halted, expires_at=signing.expires_at,
        progress=progress(rows), reason=reason,
    )  # fmt: skip
