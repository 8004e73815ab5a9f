"""Rate limits of identity's public endpoints (ARCHITECTURE §4): whatever sends mail, starts an
eID or hashes a password is limited per caller address and per target, in the database every
replica shares, so that neither a flood of mail nor a flood of hashing can be bought for free."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from shared.http.peers import client_address
from shared.ratelimit import Limit, hit

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

HOUR = 3600.0


def caller_address(request: web.Request, deps: IdentityDeps) -> str:
    """Who is calling, for per-address limits: the gateway's X-Real-IP, else the peer."""
    return client_address(request, deps.settings.proxies)


async def sending_mail(deps: IdentityDeps, source: str, email: str) -> None:
    settings = deps.settings
    await _both(
        deps,
        Limit("identity.mail.address", settings.mail_per_address, HOUR),
        Limit("identity.mail.target", settings.mail_per_target, HOUR),
        source,
        email.lower(),
    )


async def starting_eid(deps: IdentityDeps, source: str, number_digest: bytes) -> None:
    settings = deps.settings
    await _both(
        deps,
        Limit("identity.eid.address", settings.eid_per_address, HOUR),
        Limit("identity.eid.number", settings.eid_per_number, HOUR),
        source,
        number_digest.hex(),
    )


async def hashing(deps: IdentityDeps, source: str) -> None:
    limit = Limit("identity.hashing.address", deps.settings.hashing_per_address, HOUR)
    await hit(deps.db, limit, source)


async def _both(
    deps: IdentityDeps, by_address: Limit, by_target: Limit, source: str, target: str
) -> None:
    await hit(deps.db, by_address, source)
    await hit(deps.db, by_target, target)
