"""Comments, approval requests, and what is new for a customer since their last visit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from aiohttp import web

from services.documents import domain
from services.documents.access import (
    audience_of,
    require_approval,
    require_client,
    require_document,
)
from services.documents.models import (
    AnswerIn,
    ApprovalIn,
    ApprovalList,
    ApprovalOut,
    CommentIn,
    CommentList,
    CommentOut,
    DocumentOut,
    NewAnswer,
    NewApproval,
    NewComment,
    NewDocuments,
    WaitingApprovals,
)
from services.documents.store import activity as store
from services.documents.store import documents as document_store
from services.documents.store import folders as folder_store
from shared.auth import Principal
from shared.bus import put
from shared.database import Connection
from shared.errors import Conflict
from shared.events.documents import ApprovalAnswered, ApprovalRequested, CommentAdded
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("activity")


@api.post(
    "/api/v1/documents/{document_id}/comments",
    summary="Comment on a document (anyone who can see it)",
    body=CommentIn,
    response=CommentOut,
    status=201,
    errors=(404, 422),
)
async def comment(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: CommentIn
) -> CommentOut:
    async with deps.db.transaction() as conn:
        document, seen = await require_document(conn, principal, path_uuid(request, "document_id"))
        comment = NewComment(
            id=uuid4(), firm_id=document.firm_id, document_id=document.id,
            author_id=principal.user_id, author_kind=principal.kind, body=body.body,
        )  # fmt: skip
        added = await store.insert_comment(conn, comment)
        event = CommentAdded(
            comment_id=added.id, document_id=document.id, client_id=document.client_id,
            folder_id=document.folder_id, document_name=document.name,
            author_kind=principal.kind, body=body.body,
            audience=await audience_of(conn, seen.folder),
        )  # fmt: skip
        await put(conn, event, firm_id=document.firm_id, actor=principal.user_id)
    return added


@api.get(
    "/api/v1/documents/{document_id}/comments",
    summary="A document's comments, oldest first",
    response=CommentList,
    errors=(404,),
)
async def comments(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> CommentList:
    async with deps.db.transaction(readonly=True) as conn:
        document, _ = await require_document(conn, principal, path_uuid(request, "document_id"))
        return CommentList(comments=await store.list_comments(conn, document))


@api.post(
    "/api/v1/documents/{document_id}/approvals",
    summary="Ask the client's contacts who see the document to accept or reject it",
    access="staff",
    body=ApprovalIn,
    response=ApprovalOut,
    status=201,
    errors=(404, 409, 422),
)
async def request_approval(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: ApprovalIn
) -> ApprovalOut:
    async with deps.db.transaction() as conn:
        document, seen = await require_document(conn, principal, path_uuid(request, "document_id"))
        asked = domain.approval_askees(body.contacts, await audience_of(conn, seen.folder))
        new = NewApproval(
            id=uuid4(), firm_id=document.firm_id, document_id=document.id,
            requested_by=principal.user_id, message=body.message, named_contacts=body.contacts,
        )  # fmt: skip
        approval = await store.insert_approval(conn, new)
        event = ApprovalRequested(
            approval_id=approval.id, document_id=document.id, client_id=document.client_id,
            document_name=document.name, message=body.message, contacts=asked,
            first_answer_decides=body.contacts is None,
        )  # fmt: skip
        await put(conn, event, firm_id=document.firm_id, actor=principal.user_id)
    return approval


@api.get(
    "/api/v1/documents/{document_id}/approvals",
    summary="A document's approval requests with their answers and status",
    response=ApprovalList,
    errors=(404,),
)
async def approvals(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> ApprovalList:
    async with deps.db.transaction(readonly=True) as conn:
        document, _ = await require_document(conn, principal, path_uuid(request, "document_id"))
        return ApprovalList(approvals=await store.list_approvals(conn, document))


@api.post(
    "/api/v1/approvals/{approval_id}/answer",
    summary="Accept or reject (a contact asked), with an optional comment",
    access="contact",
    body=AnswerIn,
    response=ApprovalOut,
    errors=(404, 409),
)
async def answer(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: AnswerIn
) -> ApprovalOut:
    approval_id = path_uuid(request, "approval_id")
    async with deps.db.transaction() as conn:
        approval, document = await require_approval(conn, principal, approval_id, lock=True)
        if approval.status != "pending":
            raise Conflict("This approval request has already been decided.")
        answer = NewAnswer(
            approval_id=approval_id, contact_id=principal.user_id, answer=body.answer,
            comment=body.comment,
        )  # fmt: skip
        if not await store.insert_answer(conn, answer):
            raise Conflict("You have already answered.")
        answers = {a.contact_id: a.answer for a in await store.list_answers(conn, approval_id)}
        status = domain.approval_status(approval.contacts, answers)  # type: ignore[arg-type]
        decided = await store.set_approval_status(conn, principal.firm_id, approval_id, status)
        event = ApprovalAnswered(
            approval_id=approval_id, document_id=document.id, client_id=document.client_id,
            contact_id=principal.user_id, answer=body.answer, comment=body.comment,
            status=status,
        )  # fmt: skip
        await put(conn, event, firm_id=document.firm_id, actor=principal.user_id)
    return decided


WAITING_LIMIT = 200


@api.get(
    "/api/v1/clients/{client_id}/approvals/waiting",
    summary="Pending approval requests at a client: for a contact, those waiting for their "
    "answer; for staff, all the client has not decided yet",
    response=WaitingApprovals, errors=(404, 503),
)  # fmt: skip
async def waiting_approvals(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> WaitingApprovals:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction(readonly=True) as conn:
        standing = await require_client(
            conn, principal, client_id, wait=deps.settings.replica_wait_seconds
        )
        ids = await _readable_folders(conn, principal, client_id, standing)
        contact = None if principal.is_staff else principal.user_id
        rows = await store.list_waiting(conn, principal.firm_id, ids, contact, WAITING_LIMIT)
    return WaitingApprovals(approvals=rows)


@api.get(
    "/api/v1/approvals/waiting",
    summary="Staff: pending approval requests at every client they see, oldest first",
    access="staff", response=WaitingApprovals,
)  # fmt: skip
async def waiting_in_firm(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> WaitingApprovals:
    assigned_to = None if principal.sees_every_client else principal.user_id
    async with deps.db.transaction(readonly=True) as conn:
        rows = await store.list_waiting_in_firm(conn, principal.firm_id, assigned_to, WAITING_LIMIT)
    return WaitingApprovals(approvals=rows)


async def _readable_folders(
    conn: Connection, principal: Principal, client_id: UUID, standing: domain.Standing | None
) -> list[UUID]:
    """The client's folders whose documents the principal sees (staff: all of them)."""
    folders = await folder_store.list_folders(conn, principal.firm_id, client_id)
    return [f.id for f in folders if standing is None or domain.contact_reads(f.rules, standing)]


@api.get(
    "/api/v1/clients/{client_id}/news",
    summary="Documents new or changed since this user's last recorded visit",
    response=NewDocuments,
    errors=(404, 503),
)
async def news(request: web.Request, *, deps: DocumentsDeps, principal: Principal) -> NewDocuments:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction(readonly=True) as conn:
        standing = await require_client(
            conn, principal, client_id, wait=deps.settings.replica_wait_seconds
        )
        ids = await _readable_folders(conn, principal, client_id, standing)
        since = await store.get_visit(conn, principal.firm_id, principal.user_id, client_id)
        rows = await document_store.list_created_since(conn, principal.firm_id, ids, since)
    return NewDocuments(since=since, documents=[DocumentOut.of(r) for r in rows])


@api.post(
    "/api/v1/clients/{client_id}/visits",
    summary="Record a visit: later news starts from now",
    status=204,
    errors=(404, 503),
)
async def visit(request: web.Request, *, deps: DocumentsDeps, principal: Principal) -> None:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction() as conn:
        await require_client(conn, principal, client_id, wait=deps.settings.replica_wait_seconds)
        await store.swap_visit(
            conn, principal.firm_id, principal.user_id, client_id, datetime.now(UTC)
        )
