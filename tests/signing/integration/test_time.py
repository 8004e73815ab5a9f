"""Expiry, reminders and staff's needs-attention list, driven by the jobs' own functions."""

import uuid
from datetime import UTC, datetime, timedelta

from services.signing import jobs
from tests.signing.integration.conftest import World, party
from tests.signing.integration.helpers import act
from tests.support.infra import wait_until


async def sent(world: World, **extra: object) -> tuple[dict[str, str], str]:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    created = await world.create(
        owner, await world.pdf(firm, client), [party("A", "a@x.se"), party("B", "b@x.se")],
        **extra,
    )  # fmt: skip
    await world.send(owner, created["id"])
    return owner, created["id"]


async def test_expiry_closes_the_request_and_its_links_answer_410(world: World) -> None:
    owner, signing_id = await sent(world)
    token = await world.invitation("a@x.se")
    await world.sql(
        "UPDATE signings SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(signing_id),
    )
    expired = await jobs.expire_due(world.deps)
    again = await jobs.expire_due(world.deps)
    detail = await (await world.http.get(f"/api/v1/signings/{signing_id}", headers=owner)).json()
    link = await world.http.get(f"/api/v1/sign/{token}")

    assert (expired, again) == (1, 0)
    assert detail["state"] == "expired"
    assert link.status == 410
    await wait_until(lambda: world.captured.of("signing.request.expired"))


async def test_reminders_go_to_those_who_have_not_acted_with_a_fresh_working_link(
    world: World,
) -> None:
    _, signing_id = await sent(world, reminder_days=2)
    await act(world, await world.invitation("a@x.se"))
    await world.sql(
        "UPDATE parties SET invited_at = invited_at - interval '3 days' WHERE signing_id = $1",
        uuid.UUID(signing_id),
    )
    reminded = await jobs.remind_due(world.deps)
    again = await jobs.remind_due(world.deps)
    fresh = await world.invitation("b@x.se", count=2)
    done = await act(world, fresh)

    assert (reminded, again) == (1, 0)
    assert done["request_state"] == "completed"


async def test_staff_needs_attention_lists_declined_and_soon_expiring(world: World) -> None:
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    owner, expiring = await sent(world, expires_at=soon)
    owner2, declined = await sent(world)
    await act(world, await world.invitation("a@x.se", count=2), "decline", {"reason": "No"})
    first = await (await world.http.get("/api/v1/signings/needs-attention", headers=owner)).json()
    second = await (await world.http.get("/api/v1/signings/needs-attention", headers=owner2)).json()

    assert [(i["id"], i["reason"]) for i in first["items"]] == [(expiring, "expiring")]
    assert [(i["id"], i["reason"]) for i in second["items"]] == [(declined, "declined")]


async def test_staff_remind_now_the_parties_whose_turn_it_is_once_per_gap(world: World) -> None:
    owner, signing_id = await sent(world)
    path = f"/api/v1/signings/{signing_id}/remind"
    first = await world.http.post(path, headers=owner)
    view = await first.json()
    again = await world.http.post(path, headers=owner)
    fresh = await world.invitation("b@x.se", count=2)
    done = await act(world, fresh)
    customer = await world.http.post(path, headers=world.contact_token())
    stranger = await world.http.post(path, headers=world.staff_token())

    assert first.status == 200
    assert [a["action"] for a in view["audit"]].count("reminded") == 2
    assert again.status == 409
    assert (await again.json())["title"]
    assert done["status"] == "signed"
    assert customer.status == 403
    assert stranger.status == 404


async def test_a_request_not_sent_cannot_be_reminded(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [party("A", "a@x.se")])
    refused = await world.http.post(f"/api/v1/signings/{created['id']}/remind", headers=owner)
    assert refused.status == 409
    assert refused.content_type == "application/problem+json"
