"""The evidence of a party's or staff member's action as the HTTP request shows it: when, from
which source address (through the trusted proxies), with which user agent."""

from datetime import UTC, datetime

from aiohttp import web

from services.signing.models import Evidence
from services.signing.settings import SigningSettings
from shared.http.peers import client_address


def now() -> datetime:
    return datetime.now(UTC)


def evidence_of(request: web.Request, settings: SigningSettings) -> Evidence:
    address = client_address(request, settings.proxies)
    return Evidence(address=address, user_agent=request.headers.get("User-Agent", "")[:400])
