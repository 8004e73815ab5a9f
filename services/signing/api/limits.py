"""Rate limits on what a signing link makes the platform do for whoever holds it: email a code,
start an eID authentication. Each counts per source address and per party (the target), shared
by every replica (shared/ratelimit.py); the numbers are settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from aiohttp import web

from services.signing import tokens
from services.signing.api.evidence import evidence_of
from services.signing.settings import SigningSettings
from services.signing.store import links
from shared.ratelimit import Limit, hit

if TYPE_CHECKING:
    from services.signing.app import SigningDeps

Action = Literal["code", "eid"]


def limits(settings: SigningSettings, action: Action) -> tuple[Limit, Limit]:
    """The limits of `action`: per source address, then per party."""
    per_address, per_party = {
        "code": (settings.limit_codes_per_address, settings.limit_codes_per_party),
        "eid": (settings.limit_eid_per_address, settings.limit_eid_per_party),
    }[action]
    window = settings.limit_window_seconds
    return (
        Limit(f"signing.{action}.address", per_address, window),
        Limit(f"signing.{action}.party", per_party, window),
    )


async def count(request: web.Request, deps: SigningDeps, action: Action) -> None:
    """Count one `action` against the caller's address and then the link's party, or raise
    TooManyRequests (429). Called before the request opens its transaction: a hit takes a
    pooled connection of its own, and requests holding one while waiting for another could
    together leave none. An unknown link counts against its address only (it then answers 404)."""
    db = deps.db
    per_address, per_party = limits(deps.settings, action)
    await hit(db, per_address, evidence_of(request, deps.settings).address or "unknown")
    async with db.transaction(readonly=True) as conn:
        link = await links.get_link(conn, tokens.hash_token(request.match_info["token"]))
    if link is not None:
        await hit(db, per_party, str(link.party_id))
