"""Revocation everywhere at once (ARCHITECTURE §4, shared/revocation.py), on the platform as
deployed (two processes of each service behind the gateway): after a sign-out, a password
change, a staff member's removal or a contact's portal access switched off, every replica of
every service refuses the old token within a second, as 401 problem+json; a new sign-in works;
a replica started after the revocation, or one that lost the broker meanwhile, catches up
before it serves a token.

Each replica is called on its own port (the gateway would pick one of the two), with the same
public API the gateway routes to it."""

import statistics
from typing import Any

import jwt
import pytest

from tests.e2e import journeys as j
from tests.support.infra import wait_until
from tests.support.probes import accepted_everywhere, refused_everywhere, replicas, status
from tests.support.processes import Platform
from tests.web.portal import Portal

pytestmark = pytest.mark.slow


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def sign_out(portal: Portal, token: str) -> None:
    await portal.call("POST", "/api/v1/auth/sign-out", token, expect=204)


async def test_a_signed_out_token_is_refused_by_every_replica_within_a_second(
    platform: Platform, portal: Portal
) -> None:
    bureau = await j.sign_up(portal)
    latencies = []
    token = bureau.staff
    for _ in range(5):
        await accepted_everywhere(platform, portal.http, token)
        await sign_out(portal, token)
        latencies.append(await refused_everywhere(platform, portal.http, token))
        # A new sign-in after the revocation is served everywhere.
        token = await j.sign_in(portal, bureau.owner_email)
    await accepted_everywhere(platform, portal.http, token)
    print(
        f"sign-out to last of {len(replicas(platform))} replicas refusing: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )


async def test_a_password_change_ends_the_other_sessions_everywhere(
    platform: Platform, portal: Portal
) -> None:
    bureau = await j.sign_up(portal)
    elsewhere = await j.sign_in(portal, bureau.owner_email)
    await accepted_everywhere(platform, portal.http, elsewhere)
    await portal.call("PUT", "/api/v1/me/password", bureau.staff, expect=204, json={
        "current_password": j.PASSWORD, "new_password": j.PASSWORD + "-ny",
    })  # fmt: skip
    await refused_everywhere(platform, portal.http, elsewhere)
    await accepted_everywhere(platform, portal.http, bureau.staff)  # the session that changed it


async def test_a_removed_staff_member_is_refused_everywhere(
    platform: Platform, portal: Portal
) -> None:
    bureau = await j.sign_up(portal)
    member = await j.staff_member(portal, bureau, "member", "mia")
    await accepted_everywhere(platform, portal.http, member)
    await portal.call("POST", f"/api/v1/staff/{claims(member)['sub']}/deactivate", bureau.staff)
    await refused_everywhere(platform, portal.http, member)


async def test_a_contact_whose_portal_access_is_switched_off_is_refused_everywhere(
    platform: Platform, portal: Portal
) -> None:
    bureau = await j.sign_up(portal)
    await j.company_client(portal, bureau)
    await j.register(portal, bureau, "primary")
    contact = bureau.contacts["primary"]
    await accepted_everywhere(platform, portal.http, contact.token)
    await portal.call("PUT", f"/api/v1/contacts/{contact.id}/portal-access", bureau.staff,
                      json={"enabled": False})  # fmt: skip
    await refused_everywhere(platform, portal.http, contact.token)
    # Not by person alone: the staff of the same firm are not touched.
    await accepted_everywhere(platform, portal.http, bureau.staff)


async def test_a_replica_started_after_the_revocation_refuses_the_old_token(
    platform: Platform, portal: Portal
) -> None:
    """Its queue did not exist when the revocation was published: only the catch-up (an RPC
    to identity) can have told it."""
    bureau = await j.sign_up(portal)
    old = bureau.staff
    await sign_out(portal, old)
    await refused_everywhere(platform, portal.http, old)
    platform.kill("documents")
    await platform.start("documents")
    for replica in platform.replicas["documents"]:
        assert (await status(portal.http, replica, old))[0] == 401
    await accepted_everywhere(platform, portal.http, await j.sign_in(portal, bureau.owner_email))


async def test_a_replica_that_lost_the_broker_catches_up_when_it_is_back(
    platform: Platform, portal: Portal
) -> None:
    """While documents' broker link is cut it cannot hear of revocations; within the outage
    grace it judges tokens by what it knew (past it, 503: tests/shared/test_revocation.py).
    Back on the broker it catches up and refuses what was revoked meanwhile."""
    bureau = await j.sign_up(portal)
    old, kept = bureau.staff, await j.sign_in(portal, bureau.owner_email)
    link = platform.broker["documents"]
    documents = platform.replicas["documents"]
    link.cut()
    try:
        await sign_out(portal, old)
        for replica in documents:
            assert (await status(portal.http, replica, kept))[0] not in (401, 503)
    finally:
        link.restore()

    async def caught_up() -> bool:
        return all([(await status(portal.http, r, old))[0] == 401 for r in documents])

    await wait_until(caught_up, timeout=30, interval=0.1)
    for replica in documents:
        assert (await status(portal.http, replica, kept))[0] not in (401, 503)
