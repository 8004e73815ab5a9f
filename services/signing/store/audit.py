"""The audit trail: actions with their evidence, in the order they happened."""

from datetime import datetime
from uuid import UUID

from services.signing.models import AuditRow, Evidence
from shared.database import Connection


async def insert_audit(
    conn: Connection,
    signing_id: UUID,
    firm_id: UUID,
    at: datetime,
    action: str,
    *,
    party_id: UUID | None = None,
    method: str | None = None,
    evidence: Evidence | None = None,
    document_sha256: str | None = None,
    detail: str = "",
) -> None:
    await conn.execute(
        """INSERT INTO audit_events (signing_id, firm_id, party_id, at, action, method, address,
               user_agent, document_sha256, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        signing_id, firm_id, party_id, at, action, method,
        evidence.address if evidence else None, evidence.user_agent if evidence else None,
        document_sha256, detail,
    )  # fmt: skip


async def list_audit(conn: Connection, firm_id: UUID, signing_id: UUID) -> list[AuditRow]:
    records = await conn.fetch(
        """SELECT at, action, party_id, method, address, user_agent, document_sha256, detail
           FROM audit_events WHERE firm_id = $1 AND signing_id = $2 ORDER BY id""",
        firm_id,
        signing_id,
    )
    return [AuditRow.model_validate(dict(r)) for r in records]
