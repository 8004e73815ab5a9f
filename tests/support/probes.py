"""Asking every replica of every service, each on its own port, whether it serves a token:
for the revocation tests (tests/e2e/test_revocation.py) and `bench.revocation`."""

import asyncio
import time

import aiohttp

from deploy.local.processes import Replica
from tests.support.processes import Platform

# One endpoint of each service that a signed-in caller may ask (what it answers a valid token
# does not matter here: only that it is not 401 before a revocation, and 401 after).
PROBES = {
    "identity": "/api/v1/me",
    "documents": "/api/v1/approvals/waiting",
    "signing": "/api/v1/signings/needs-attention",
    "notify": "/api/v1/notifications",
    "billing": "/api/v1/billing/account",
}
WITHIN = 1.0  # seconds: the promise (ARCHITECTURE §4)
POLL = 0.02


def replicas(platform: Platform) -> list[Replica]:
    return [r for name in PROBES for r in platform.replicas[name]]


async def status(http: aiohttp.ClientSession, replica: Replica, token: str) -> tuple[int, str, str]:
    """(status, content type, Retry-After) of the replica's probe with this token."""
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(replica.url + PROBES[replica.service], headers=headers) as response:
        return response.status, response.content_type, response.headers.get("Retry-After", "")


async def accepted_everywhere(platform: Platform, http: aiohttp.ClientSession, token: str) -> None:
    """Every replica takes the token (whatever it then answers, it is not 401)."""
    for replica in replicas(platform):
        found, _, _ = await status(http, replica, token)
        assert found != 401, f"{replica.name} refused a valid token"


async def refused_everywhere(
    platform: Platform, http: aiohttp.ClientSession, token: str, within: float = WITHIN
) -> float:
    """Poll every replica until it refuses the token with 401 problem+json; the seconds from
    the call until the last one did (timed when each request was sent: a busy replica may
    answer late what it decided early). Fails if any serves it when asked after `within`."""
    started = time.perf_counter()

    async def refused_by(replica: Replica) -> float:
        while True:
            sent = time.perf_counter() - started
            found, content_type, _ = await status(http, replica, token)
            if found == 401:
                assert content_type == "application/problem+json"
                return sent
            assert sent < within, f"{replica.name} still served it ({found}) {sent:.3f}s after"
            await asyncio.sleep(POLL)

    return max(await asyncio.gather(*(refused_by(r) for r in replicas(platform))))
