"""What every route needs: the clock, the caller's evidence, load-or-404 with access checks,
and response shapes."""

from datetime import UTC, datetime
from uuid import UUID

from aiohttp import web

from services.signing import domain
from services.signing.models import (
    AuditOut,
    AuditRow,
    Evidence,
    PartyOut,
    PartyRow,
    Progress,
    SigningOut,
    SigningRow,
    SigningSummary,
)
from services.signing.settings import SigningSettings
from services.signing.store import replicas, signings
from shared.auth import Principal
from shared.database import Connection
from shared.errors import NotFound
from shared.http.peers import client_address
from shared.service import SETTINGS

ADMINS = ("owner", "admin")


def now() -> datetime:
    return datetime.now(UTC)


def settings_of(request: web.Request) -> SigningSettings:
    settings = request.app[SETTINGS]
    assert isinstance(settings, SigningSettings)
    return settings


def evidence_of(request: web.Request) -> Evidence:
    address = client_address(request, settings_of(request).proxies)
    return Evidence(address=address, user_agent=request.headers.get("User-Agent", "")[:400])


async def staff_sees_client(conn: Connection, principal: Principal, client_id: UUID) -> bool:
    if not principal.is_staff:
        return False
    if principal.role in ADMINS:
        return True
    return await replicas.get_assigned(conn, principal.firm_id, principal.user_id, client_id)


async def require_signing(
    conn: Connection, principal: Principal, signing_id: UUID, *, lock: bool = False
) -> SigningRow:
    """The request if this principal may see it; anything else is 404, leaking nothing."""
    load = signings.lock_signing if lock else signings.get_signing
    signing = await load(conn, principal.firm_id, signing_id)
    if signing is None or not await _may_see(conn, principal, signing):
        raise NotFound("No such signing request.")
    return signing


async def _may_see(conn: Connection, principal: Principal, signing: SigningRow) -> bool:
    if principal.is_staff:
        return await staff_sees_client(conn, principal, signing.client_id)
    if principal.client_id != signing.client_id:
        return False
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM parties WHERE signing_id = $1 AND contact_id = $2",
            signing.id,
            principal.user_id,
        )
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
                "expires_at", "reminder_days", "created_at", "sent_at", "closed_at",
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
