"""Calls to other services over the bus: documents (the PDF in, the sealed PDF back) and
billing (one credit per sent request). A timeout is "unknown": retried with the same key."""

import logging
import uuid
from typing import Any
from uuid import UUID

from aiohttp import web

from services.signing.settings import SigningSettings
from shared.bus import RpcError, RpcTimeout
from shared.errors import Conflict, NotFound, PaymentRequired, Unavailable
from shared.events.base import Request
from shared.events.billing import (
    CommitCredit,
    CreditDecision,
    CreditSettled,
    ReleaseCredit,
    ReserveCredit,
)
from shared.events.documents import (
    OpenForSigning,
    SigningSource,
    StoredDocument,
    StoreSignedDocument,
)
from shared.service import RPC, SETTINGS

log = logging.getLogger(__name__)

TOP_UP = "POST /api/v1/billing/credit-purchases"


def settings_of(app: web.Application) -> SigningSettings:
    settings = app[SETTINGS]
    assert isinstance(settings, SigningSettings)
    return settings


async def call(app: web.Application, request: Request, firm_id: UUID, actor: UUID | None) -> Any:
    settings = settings_of(app)
    for attempt in range(1, settings.rpc_attempts + 1):
        try:
            return await app[RPC].call(
                request, firm_id=firm_id, actor=actor, timeout=settings.rpc_timeout_seconds
            )
        except RpcTimeout:
            log.warning("%s timed out (attempt %d); retrying", request.type, attempt)
    raise Unavailable(f"{request.target} did not answer; try again (nothing was done twice).")


def credit_key(signing_id: UUID, attempt: int = 0) -> str:
    """One key per request (a new one only after billing said no, see `credit_attempt`)."""
    return f"signing:{signing_id}" if attempt == 0 else f"signing:{signing_id}:{attempt}"


async def open_for_signing(
    app: web.Application, firm_id: UUID, staff_id: UUID, role: str, document_id: UUID
) -> SigningSource:
    request = OpenForSigning(
        idempotency_key=str(uuid.uuid4()),  # read-only: each look gets a fresh URL
        document_id=document_id,
        staff_id=staff_id,
        staff_role=role,  # type: ignore[arg-type]
    )
    try:
        return await call(app, request, firm_id, staff_id)
    except RpcError as error:
        if error.status == 404:
            raise NotFound("No such document.", field="document_id") from None
        raise Conflict(f"documents refused: {error.detail}") from None


async def reserve_credit(app: web.Application, firm_id: UUID, key: str, actor: UUID) -> bool:
    decision: CreditDecision = await call(app, ReserveCredit(idempotency_key=key), firm_id, actor)
    return decision.granted


def no_credit() -> PaymentRequired:
    return PaymentRequired(
        f"No e-signature credit is left. An account owner or admin can buy more with {TOP_UP}.",
        top_up=TOP_UP,
    )


async def commit_credit(app: web.Application, firm_id: UUID, key: str, actor: UUID) -> None:
    settled: CreditSettled = await call(app, CommitCredit(idempotency_key=key), firm_id, actor)
    log.info("credit %s %s", key, settled.state)


async def release_credit(app: web.Application, firm_id: UUID, key: str, actor: UUID | None) -> bool:
    """Give the request's credit back; False when billing never held one under its key."""
    try:
        await call(app, ReleaseCredit(idempotency_key=key), firm_id, actor)
    except RpcError as error:
        if error.status == 404:
            return False
        raise
    return True


async def store_signed(
    app: web.Application, firm_id: UUID, request: StoreSignedDocument
) -> StoredDocument:
    return await call(app, request, firm_id, None)
