"""The audit trail: actions with their evidence, in the order they happened."""

from uuid import UUID

from services.signing.models import AuditRow, NewAuditEvent
from shared.database import Connection


async def insert_audit(conn: Connection, event: NewAuditEvent) -> None:
    evidence = event.evidence
    await conn.execute(
        """INSERT INTO audit_events (signing_id, firm_id, party_id, at, action, method, address,
               user_agent, document_sha256, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        event.signing_id, event.firm_id, event.party_id, event.at, event.action, event.method,
        evidence.address if evidence else None, evidence.user_agent if evidence else None,
        event.document_sha256, event.detail,
    )  # fmt: skip


async def list_audit(conn: Connection, firm_id: UUID, signing_id: UUID) -> list[AuditRow]:
    records = await conn.fetch(
        """SELECT at, action, party_id, method, address, user_agent, document_sha256, detail
           FROM audit_events WHERE firm_id = $1 AND signing_id = $2 ORDER BY id""",
        firm_id,
        signing_id,
    )
    return [AuditRow.model_validate(dict(r)) for r in records]
