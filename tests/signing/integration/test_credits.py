"""One credit per sent request, however often send is tried; returned once on an early cancel."""

import asyncio
import uuid

from services.signing.billing import credit_key
from shared.events.billing import ReserveCredit
from shared.service import RPC
from tests.signing.integration.conftest import World, party
from tests.signing.integration.helpers import act
from tests.support.infra import wait_until


async def draft(world: World) -> tuple[uuid.UUID, dict[str, str], str]:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [party("A", "a@x.se")])
    return firm, owner, created["id"]


async def test_send_retried_and_raced_charges_one_credit_and_invites_once(world: World) -> None:
    firm, owner, signing_id = await draft(world)
    answers = await asyncio.gather(*(world.send(owner, signing_id) for _ in range(4)))
    await world.send(owner, signing_id)
    await world.invitation("a@x.se")

    assert {a["state"] for a in answers} == {"sent"}
    assert await world.credits(firm) == (1, 0)
    assert len(world.captured.of("notify.send_signing_invitation")) == 1


async def test_a_send_that_died_after_reserving_is_charged_once_when_retried(world: World) -> None:
    firm, owner, signing_id = await draft(world)
    # What a process killed between reserve and commit leaves: a held credit, a draft.
    reserve = ReserveCredit(idempotency_key=credit_key(uuid.UUID(signing_id)))
    await world.signing.app[RPC].call(reserve, firm_id=firm, actor=None)
    await world.sql("UPDATE signings SET credit = 'reserving' WHERE id = $1", uuid.UUID(signing_id))
    assert await world.credits(firm) == (1, 1)

    await world.send(owner, signing_id)
    assert await world.credits(firm) == (1, 0)


async def test_cancel_before_anyone_signed_returns_the_credit_exactly_once(world: World) -> None:
    firm, owner, signing_id = await draft(world)
    await world.send(owner, signing_id)
    first = await world.http.post(f"/api/v1/signings/{signing_id}/cancel", json={}, headers=owner)
    second = await world.http.post(f"/api/v1/signings/{signing_id}/cancel", json={}, headers=owner)

    assert first.status == 200
    assert second.status == 409
    assert await world.credits(firm) == (2, 0)
    await wait_until(lambda: world.captured.of("signing.request.cancelled"))
    (cancelled,) = world.captured.of("signing.request.cancelled")
    assert cancelled["credit_returned"] is True


async def test_cancel_after_someone_signed_keeps_the_credit_spent(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [
        party("A", "a@x.se"), party("B", "b@x.se", order=2),
    ])  # fmt: skip
    await world.send(owner, created["id"])
    await act(world, await world.invitation("a@x.se"))
    cancel = await world.http.post(
        f"/api/v1/signings/{created['id']}/cancel", json={}, headers=owner
    )
    assert cancel.status == 200
    assert await world.credits(firm) == (1, 0)


async def test_an_empty_balance_is_refused_with_402_naming_how_to_top_up(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    ids = [
        (await world.create(owner, await world.pdf(firm, client), [party("A", "a@x.se")]))["id"]
        for _ in range(3)
    ]
    for signing_id in ids[:2]:
        await world.send(owner, signing_id)
    refused = await world.http.post(f"/api/v1/signings/{ids[2]}/send", headers=owner)
    problem = await refused.json()
    (row,) = await world.sql("SELECT state FROM signings WHERE id = $1", uuid.UUID(ids[2]))

    assert refused.status == 402
    assert refused.content_type == "application/problem+json"
    assert "/api/v1/billing/credit-purchases" in problem["detail"]
    assert row["state"] == "draft"


async def test_after_a_refusal_and_a_top_up_the_same_request_can_be_sent(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    ids = [
        (await world.create(owner, await world.pdf(firm, client), [party("A", "a@x.se")]))["id"]
        for _ in range(3)
    ]
    for signing_id in ids[:2]:
        await world.send(owner, signing_id)
    await world.send(owner, ids[2], expect=402)
    bought = await world.billing.http.post(
        "/api/v1/billing/credit-purchases", json={"pack": "10"}, headers=owner
    )
    assert bought.status == 201, await bought.text()

    sent = await world.send(owner, ids[2])
    assert sent["state"] == "sent"
    assert await world.credits(firm) == (9, 0)
