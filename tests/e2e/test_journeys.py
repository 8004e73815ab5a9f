"""Issue 17's journeys, one test each: the platform as deployed (every service two processes
behind the real gateway, tests/support/processes.py), through the gateway only, reading the
real mails."""

from typing import Any

from tests.e2e import journeys as j
from tests.support.infra import wait_until
from tests.support.processes import Platform
from tests.web.portal import Portal


async def test_4_an_upload_reaches_its_audience_and_a_comment_reaches_staff(
    portal: Portal,
) -> None:
    await j.journey_4(portal, await j.customer_ready(portal))


async def test_4_the_firms_audit_log_records_the_journey_and_verifies(portal: Portal) -> None:
    """Journey 4 seen from the firm's audit log, through the gateway: the sign-ins (with the
    caller's address as the gateway saw it), the upload, the contact's download and comment,
    with their actors; the chain verifies; a member may not read it."""
    bureau = await j.customer_ready(portal)
    await j.journey_4(portal, bureau)
    primary = bureau.contacts["primary"]
    wanted = {"identity.session.opened", "documents.document.uploaded",
              "documents.document.downloaded", "documents.comment.added"}  # fmt: skip
    found: dict[str, list[dict[str, Any]]] = {}

    async def recorded() -> bool:
        page = await portal.call("GET", "/api/v1/audit/entries", bureau.staff,
                                 params={"limit": "500"})  # fmt: skip
        found.clear()
        for entry in page["entries"]:
            found.setdefault(entry["kind"], []).append(entry)
        return wanted <= set(found) and len(found["identity.session.opened"]) >= 3

    await wait_until(recorded, timeout=60)
    # Every way in (sign-up, registration, password) names the caller's address.
    assert all(e["source_address"] for e in found["identity.session.opened"])
    download = found["documents.document.downloaded"][0]
    assert download["actor"] == primary.id
    assert download["client_id"] == bureau.client_id
    assert {e["actor"] for e in found["documents.comment.added"]} == {primary.id}
    verified = await portal.call("GET", "/api/v1/audit/verify", bureau.staff)
    assert verified["valid"] is True
    member = await j.staff_member(portal, bureau, "member", "member")
    await portal.call("GET", "/api/v1/audit/entries", member, expect=403)


async def test_5_three_parties_sign_in_order_and_the_sealed_pdf_lands_in_the_folder(
    portal: Portal, platform: Platform
) -> None:
    bureau = await j.customer_ready(portal)
    await j.journey_5(portal, bureau)
    # Sealed by either replica, it chains to the platform's one sealing certificate.
    await j.validates(await j.sealed_in_bokslut(portal, bureau), platform.sealing_certificate)


async def test_6_an_admin_buys_credits_when_the_balance_runs_out(portal: Portal) -> None:
    await j.journey_6(portal, await j.customer_ready(portal))


async def test_7_a_storage_block_lets_an_upload_past_the_plan_through(portal: Portal) -> None:
    await j.journey_7(portal, await j.customer_ready(portal))


async def test_1_a_bureau_signs_up_and_a_member_sees_only_the_assigned_client(
    portal: Portal,
) -> None:
    await j.journey_1(portal)


async def test_2_a_client_with_three_contacts_is_invited_in_their_languages(
    portal: Portal,
) -> None:
    await j.journey_2(portal)


async def test_3_each_contact_sees_exactly_the_folders_meant_for_them(portal: Portal) -> None:
    await j.journey_3(portal)


async def test_8_one_person_across_two_clients_and_two_firms(portal: Portal) -> None:
    await j.journey_8(portal)


async def test_9_a_customer_signs_in_by_magic_link_and_by_secret_link(portal: Portal) -> None:
    await j.journey_9(portal)


async def test_a_large_body_is_buffered_by_the_gateway_not_refused(portal: Portal) -> None:
    """nginx's workers buffer a body larger than their memory buffer in a temp file under the
    gateway's prefix; one they cannot write there was its own 500 (found by the fuzzing)."""
    body = {"typed_name": "x" * 200_000}
    async with portal.http.post(f"{portal.url}/api/v1/sign/{'t' * 43}/sign", json=body) as r:
        assert r.status in (404, 422), await r.text()
        assert r.content_type == "application/problem+json"
