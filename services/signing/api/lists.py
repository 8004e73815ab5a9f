"""Overviews: a client's requests with progress, and what needs attention — for staff, the
declined, halted and soon-expiring; for a contact, what waits for them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from aiohttp import web

from services.signing import domain
from services.signing.access import require_client
from services.signing.api.evidence import now
from services.signing.api.responses import summary
from services.signing.models import (
    AttentionQuery,
    ListQuery,
    SigningList,
    SigningRow,
    SigningSummary,
)
from services.signing.store import parties, replicas, signings
from shared.auth import Principal
from shared.database import Connection
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.signing.app import SigningDeps
    from services.signing.settings import SigningSettings

api = Api("signing")

ATTENTION_LIMIT = 200


async def _summaries(
    conn: Connection, rows: list[SigningRow], reasons: dict[UUID, str | None] | None = None
) -> list[SigningSummary]:
    result = []
    for signing in rows:
        people = await parties.list_parties(conn, signing.firm_id, signing.id)
        result.append(summary(signing, people, (reasons or {}).get(signing.id)))
    return result


@api.get(
    "/api/v1/signings/needs-attention",
    summary="Staff: declined, halted or soon-expiring requests; a contact: requests waiting for "
    "them at the client they act for",
    query=AttentionQuery, response=SigningList, errors=(404,),
)  # fmt: skip
async def needs_attention(
    request: web.Request, *, deps: SigningDeps, principal: Principal, query: AttentionQuery
) -> SigningList:
    async with deps.db.transaction(readonly=True) as conn:
        if principal.is_staff:
            items = await _staff_attention(conn, deps.settings, principal, query)
        else:
            items = await _contact_attention(conn, principal)
    return SigningList(items=items)


async def _staff_attention(
    conn: Connection, settings: SigningSettings, principal: Principal, query: AttentionQuery
) -> list[SigningSummary]:
    at = now()
    clients = None if principal.sees_every_client else await replicas.list_assigned_clients(
        conn, principal.firm_id, principal.user_id
    )  # fmt: skip
    if query.client_id is not None:
        await require_client(conn, principal, query.client_id, wait=settings.replica_wait_seconds)
        clients = [query.client_id]
    soon = at + timedelta(days=settings.expiring_soon_days)
    rows = await signings.list_staff_attention(
        conn, principal.firm_id, clients, soon, ATTENTION_LIMIT
    )
    reasons: dict[UUID, str | None] = {}
    for s in rows:
        attention = domain.staff_attention(s, at, settings.expiring_soon_days)
        reasons[s.id] = attention.reason if attention else None
    return await _summaries(conn, rows, reasons)


async def _contact_attention(conn: Connection, principal: Principal) -> list[SigningSummary]:
    if principal.client_id is None:
        return []
    rows = await signings.list_waiting_for_contact(
        conn, principal.firm_id, principal.user_id, principal.client_id
    )
    waiting: dict[UUID, str | None] = {s.id: "waiting_for_you" for s in rows}
    return await _summaries(conn, rows, waiting)


@api.get(
    "/api/v1/signings",
    summary="A client's signing requests with state and progress",
    access="staff", query=ListQuery, response=SigningList, errors=(404,),
)  # fmt: skip
async def list_signings(
    request: web.Request, *, deps: SigningDeps, principal: Principal, query: ListQuery
) -> SigningList:
    async with deps.db.transaction(readonly=True) as conn:
        wait = deps.settings.replica_wait_seconds
        await require_client(conn, principal, query.client_id, wait=wait)
        rows = await signings.list_for_client(
            conn, principal.firm_id, query.client_id, query.state, query.limit
        )
        items = await _summaries(conn, rows)
    return SigningList(items=items)
