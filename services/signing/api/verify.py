"""The public verify endpoint: anyone may send a PDF and learn what the platform's seal in it
says (`verifying.py`). Rate-limited per source address; the file is never stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from services.signing import files, verifying
from services.signing.api.evidence import evidence_of
from services.signing.models import Verification
from shared.errors import TooLarge
from shared.http.routing import Api
from shared.ratelimit import Limit, hit

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

api = Api("signing")


@api.post(
    "/api/v1/verify",
    summary="Verify a PDF: sealed by this platform?, intact or changed, when, who signed how",
    access="public", raw_body="application/pdf", response=Verification,
    errors=(413, 422, 429),
)  # fmt: skip
async def verify(request: web.Request, *, deps: SigningDeps) -> Verification:
    settings = deps.settings
    per_address = Limit(
        "signing.verify.address", settings.limit_verify_per_address, settings.limit_window_seconds
    )
    await hit(deps.db, per_address, evidence_of(request, settings).address or "unknown")
    declared = request.content_length
    if declared is not None and declared > settings.verify_max_bytes:
        raise TooLarge(f"The file is larger than {settings.verify_max_bytes} bytes.", field="body")
    return await verifying.verify(deps, request.content.iter_chunked(files.CHUNK))
