"""Access log, comments, approval requests and visits."""

from datetime import datetime
from uuid import UUID

from services.documents.models import (
    AccessEntry,
    AnswerOut,
    ApprovalOut,
    CommentOut,
    DocumentRow,
    NewAccess,
    NewAnswer,
    NewApproval,
    NewComment,
    WaitingApproval,
)
from shared.database import Connection


async def insert_access(conn: Connection, access: NewAccess) -> None:
    await conn.execute(
        """INSERT INTO access_log (firm_id, document_id, version_id, user_id, user_kind, method)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        access.firm_id, access.document_id, access.version_id, access.user_id, access.user_kind,
        access.method,
    )  # fmt: skip


async def list_access(
    conn: Connection, document: DocumentRow, limit: int = 1000
) -> list[AccessEntry]:
    rows = await conn.fetch(
        """SELECT user_id, user_kind, version_id, method, at FROM access_log
            WHERE firm_id = $1 AND document_id = $2 ORDER BY at DESC, id DESC LIMIT $3""",
        document.firm_id, document.id, limit,
    )  # fmt: skip
    return [AccessEntry(**dict(r)) for r in rows]


async def insert_comment(conn: Connection, comment: NewComment) -> CommentOut:
    row = await conn.fetchrow(
        """INSERT INTO comments (id, firm_id, document_id, author_id, author_kind, body)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING id, author_id, author_kind, body, created_at""",
        comment.id, comment.firm_id, comment.document_id, comment.author_id, comment.author_kind,
        comment.body,
    )  # fmt: skip
    return CommentOut(**dict(row))


async def list_comments(conn: Connection, document: DocumentRow) -> list[CommentOut]:
    rows = await conn.fetch(
        """SELECT id, author_id, author_kind, body, created_at FROM comments
            WHERE firm_id = $1 AND document_id = $2 ORDER BY created_at, id""",
        document.firm_id, document.id,
    )  # fmt: skip
    return [CommentOut(**dict(r)) for r in rows]


_APPROVAL = """id, document_id, message, named_contacts AS contacts, status, created_at,
               decided_at"""


async def insert_approval(conn: Connection, approval: NewApproval) -> ApprovalOut:
    row = await conn.fetchrow(
        f"""INSERT INTO approvals (id, firm_id, document_id, requested_by, message,
                                   named_contacts, status)
            VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING {_APPROVAL}""",
        approval.id, approval.firm_id, approval.document_id, approval.requested_by,
        approval.message, approval.named_contacts,
    )  # fmt: skip
    return ApprovalOut(**dict(row))


async def get_approval(conn: Connection, firm_id: UUID, approval_id: UUID) -> ApprovalOut | None:
    row = await conn.fetchrow(
        f"SELECT {_APPROVAL} FROM approvals WHERE firm_id = $1 AND id = $2", firm_id, approval_id
    )
    return ApprovalOut(**dict(row)) if row else None


async def lock_approval(conn: Connection, firm_id: UUID, approval_id: UUID) -> ApprovalOut | None:
    row = await conn.fetchrow(
        f"SELECT {_APPROVAL} FROM approvals WHERE firm_id = $1 AND id = $2 FOR UPDATE",
        firm_id, approval_id,
    )  # fmt: skip
    return ApprovalOut(**dict(row)) if row else None


async def approval_document(conn: Connection, firm_id: UUID, approval_id: UUID) -> UUID | None:
    return await conn.fetchval(
        "SELECT document_id FROM approvals WHERE firm_id = $1 AND id = $2", firm_id, approval_id
    )


async def list_approvals(conn: Connection, document: DocumentRow) -> list[ApprovalOut]:
    rows = await conn.fetch(
        f"""SELECT {_APPROVAL} FROM approvals WHERE firm_id = $1 AND document_id = $2
             ORDER BY created_at""",
        document.firm_id, document.id,
    )  # fmt: skip
    return [ApprovalOut(**dict(r), answers=await list_answers(conn, r["id"])) for r in rows]


# A pending request with the document it is about, in the caller's firm ($1).
_WAITING = """SELECT a.id, a.document_id, a.message, a.named_contacts AS contacts, a.status,
                     a.created_at, a.decided_at, d.name AS document_name, d.folder_id,
                     d.client_id
                FROM approvals a JOIN documents d ON d.id = a.document_id
               WHERE a.firm_id = $1 AND d.firm_id = $1"""


async def list_waiting(
    conn: Connection, firm_id: UUID, folder_ids: list[UUID], contact_id: UUID | None, limit: int
) -> list[WaitingApproval]:
    """Pending requests on documents in these folders, oldest first; with `contact_id`, only
    those asking that contact (all who see it, or named) that they have not answered yet."""
    rows = await conn.fetch(
        f"""{_WAITING} AND d.folder_id = ANY($2::uuid[])
               AND a.status = 'pending'
               AND ($3::uuid IS NULL OR (
                   (a.named_contacts IS NULL OR $3 = ANY(a.named_contacts))
                   AND NOT EXISTS (SELECT 1 FROM approval_answers x
                                    WHERE x.approval_id = a.id AND x.contact_id = $3)))
             ORDER BY a.created_at LIMIT $4""",
        firm_id, folder_ids, contact_id, limit,
    )  # fmt: skip
    return [WaitingApproval(**dict(r)) for r in rows]


async def list_waiting_in_firm(
    conn: Connection, firm_id: UUID, assigned_to: UUID | None, limit: int
) -> list[WaitingApproval]:
    """Pending requests across the firm, oldest first; with `assigned_to`, only at the clients
    assigned to that staff member."""
    rows = await conn.fetch(
        f"""{_WAITING} AND a.status = 'pending'
               AND ($2::uuid IS NULL OR EXISTS (
                   SELECT 1 FROM staff_assignments s WHERE s.firm_id = $1 AND s.staff_id = $2
                      AND s.client_id = d.client_id AND s.assigned))
             ORDER BY a.created_at LIMIT $3""",
        firm_id, assigned_to, limit,
    )  # fmt: skip
    return [WaitingApproval(**dict(r)) for r in rows]


async def list_answers(conn: Connection, approval_id: UUID) -> list[AnswerOut]:
    """Reached through the approval, loaded by firm in the same request."""
    rows = await conn.fetch(
        """SELECT contact_id, answer, comment, answered_at FROM approval_answers
            WHERE approval_id = $1 ORDER BY answered_at""",
        approval_id,
    )
    return [AnswerOut(**dict(r)) for r in rows]


async def insert_answer(conn: Connection, answer: NewAnswer) -> bool:
    """False if this contact already answered. Reached through the approval, locked by firm
    in the same request."""
    return bool(
        await conn.fetchval(
            """INSERT INTO approval_answers (approval_id, contact_id, answer, comment)
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
            answer.approval_id,
            answer.contact_id,
            answer.answer,
            answer.comment,
        )
    )


async def set_approval_status(
    conn: Connection, firm_id: UUID, approval_id: UUID, status: str
) -> ApprovalOut:
    row = await conn.fetchrow(
        f"""UPDATE approvals SET status = $3,
                   decided_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
             WHERE firm_id = $1 AND id = $2 RETURNING {_APPROVAL}""",
        firm_id, approval_id, status,
    )  # fmt: skip
    return ApprovalOut(**dict(row), answers=await list_answers(conn, approval_id))


async def swap_visit(
    conn: Connection, firm_id: UUID, user_id: UUID, client_id: UUID, now: datetime
) -> datetime | None:
    """Record this visit; returns the previous one (None on the first)."""
    return await conn.fetchval(
        """WITH before AS (SELECT visited_at FROM visits
                            WHERE firm_id = $1 AND user_id = $2 AND client_id = $3),
                upsert AS (
                  INSERT INTO visits (user_id, client_id, firm_id, visited_at)
                  VALUES ($2, $3, $1, $4)
                  ON CONFLICT (user_id, client_id) DO UPDATE SET visited_at = $4)
           SELECT visited_at FROM before""",
        firm_id, user_id, client_id, now,
    )  # fmt: skip


async def get_visit(
    conn: Connection, firm_id: UUID, user_id: UUID, client_id: UUID
) -> datetime | None:
    return await conn.fetchval(
        "SELECT visited_at FROM visits WHERE firm_id = $1 AND user_id = $2 AND client_id = $3",
        firm_id, user_id, client_id,
    )  # fmt: skip
