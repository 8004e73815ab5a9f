"""HTTP: the firm's audit log, for its owners and admins (ARCHITECTURE.md §8).

The firm is the token's: no route names one, so another firm's log cannot be asked for.
Members and contacts are refused at the door (403), as for every admin route.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web

from services.notify import auditing
from services.notify.audit_models import (
    AuditEntry,
    AuditExportQuery,
    AuditPage,
    AuditQuery,
    AuditVerification,
    BrokenLink,
)
from services.notify.audit_trail import Stored
from services.notify.store import audit as audit_store
from shared.auth import ADMIN_ROLES, Principal
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps

api = Api("audit")

EXPORT_BATCH = 1000
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


@api.get(
    "/api/v1/audit/entries",
    summary="The firm's audit log, newest first, filtered and paged",
    access="staff", roles=ADMIN_ROLES, query=AuditQuery, response=AuditPage, errors=(422,),
)  # fmt: skip
async def entries(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, query: AuditQuery
) -> AuditPage:
    async with deps.db.transaction(readonly=True) as conn:
        page = await audit_store.list_entries(
            conn, principal.firm_id, query.values(), query.before, query.limit + 1
        )
    shown = page[: query.limit]
    more = len(page) > query.limit
    return AuditPage(
        entries=[_entry(s) for s in shown],
        next=shown[-1].entry.seq if more else None,
    )


def _entry(stored: Stored) -> AuditEntry:
    fields = asdict(stored.entry)
    del fields["firm_id"]
    return AuditEntry(**fields, prev_hash=stored.prev_hash.hex(), hash=stored.hash.hex())


@api.get(
    "/api/v1/audit/verify",
    summary="Check the firm's whole chain; names the first broken link, if any",
    access="staff", roles=ADMIN_ROLES, response=AuditVerification,
)  # fmt: skip
async def verify(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal
) -> AuditVerification:
    async with deps.db.transaction(readonly=True) as conn:
        found = await auditing.verify(conn, principal.firm_id)
    broken = found.broken
    return AuditVerification(
        valid=broken is None,
        entries=found.entries,
        head=found.head,
        first_broken=BrokenLink(seq=broken.seq, reason=broken.reason) if broken else None,
    )


@api.get(
    "/api/v1/audit/export",
    summary="Export the firm's audit log (filtered), oldest first, as CSV or JSON Lines",
    access="staff", roles=ADMIN_ROLES, query=AuditExportQuery,
    raw_response=("text/csv", "application/jsonl"), errors=(422,),
)  # fmt: skip
async def export(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, query: AuditExportQuery
) -> web.StreamResponse:
    """Streamed from a server-side cursor a batch at a time: memory stays flat whatever the
    log's length. An error once the body has begun can only cut the stream short."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    response = web.StreamResponse(headers={
        "Content-Type": MEDIA[query.format],
        "Content-Disposition": f'attachment; filename="audit-{stamp}.{query.format}"',
    })  # fmt: skip
    await response.prepare(request)
    jsonl = query.format == "jsonl"
    encode = auditing.jsonl if jsonl else auditing.csv_rows
    read = audit_store.iterate_jsonl if jsonl else audit_store.iterate_csv
    if not jsonl:
        await response.write(auditing.csv_header())
    async with deps.db.transaction(readonly=True) as conn:
        rows = read(conn, principal.firm_id, query.values(), EXPORT_BATCH)
        async for batch in auditing.batches(rows, EXPORT_BATCH):
            await response.write(encode(batch))
    await response.write_eof()
    return response
