"""Rate limits of identity's public endpoints (ARCHITECTURE §4): whatever sends mail, starts an
eID or hashes a password is limited per caller address and per target, in the database every
replica shares, so that neither a flood of mail nor a flood of hashing can be bought for free."""

from aiohttp import web

from services.identity.api.common import caller_address
from services.identity.resources import settings_of
from shared.ratelimit import Limit, hit
from shared.service import DB

HOUR = 3600.0


async def sending_mail(request: web.Request, email: str) -> None:
    settings = settings_of(request.app)
    await _both(
        request,
        Limit("identity.mail.address", settings.mail_per_address, HOUR),
        Limit("identity.mail.target", settings.mail_per_target, HOUR),
        email.lower(),
    )


async def starting_eid(request: web.Request, number_digest: bytes) -> None:
    settings = settings_of(request.app)
    await _both(
        request,
        Limit("identity.eid.address", settings.eid_per_address, HOUR),
        Limit("identity.eid.number", settings.eid_per_number, HOUR),
        number_digest.hex(),
    )


async def hashing(request: web.Request) -> None:
    limit = Limit("identity.hashing.address", settings_of(request.app).hashing_per_address, HOUR)
    await hit(request.app[DB], limit, caller_address(request))


async def _both(request: web.Request, by_address: Limit, by_target: Limit, target: str) -> None:
    await hit(request.app[DB], by_address, caller_address(request))
    await hit(request.app[DB], by_target, target)
