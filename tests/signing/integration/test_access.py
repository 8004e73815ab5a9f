"""Another firm's staff, an unassigned member, a contact of another client: 404, nothing leaks."""

import asyncio
import uuid

from shared.events.identity import ContactLinked, StaffAssigned
from tests.signing.integration.conftest import World, party
from tests.support.infra import wait_until


async def test_other_firms_unassigned_members_and_other_clients_contacts_see_nothing(
    world: World,
) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner, contact = world.staff_token(firm), uuid.uuid4()
    await world.publish(
        ContactLinked(contact_id=contact, client_id=client, roles=["employee"], primary=True), firm
    )
    await wait_until(
        lambda: world.sql("SELECT 1 FROM relationships WHERE contact_id = $1", contact)
    )
    created = await world.create(owner, await world.pdf(firm, client), [
        party("Kund", "kund@example.se", contact_id=str(contact)),
    ])  # fmt: skip
    await world.send(owner, created["id"])
    path = f"/api/v1/signings/{created['id']}"
    outsiders = {
        "other firm": world.staff_token(uuid.uuid4()),
        "member": world.staff_token(firm, role="member"),
        "other client's contact": world.contact_token(firm, uuid.uuid4(), uuid.uuid4()),
        "same client, not a party": world.contact_token(firm, uuid.uuid4(), client),
        "party at another client": world.contact_token(firm, contact, uuid.uuid4()),
    }
    for who, headers in outsiders.items():
        seen = await world.http.get(path, headers=headers)
        assert seen.status == 404, who
    listing = f"/api/v1/signings?client_id={client}"
    for headers in (world.staff_token(uuid.uuid4()), world.staff_token(firm, role="member")):
        cancel = await world.http.post(f"{path}/cancel", json={}, headers=headers)
        assert cancel.status == 404
    # Another firm's owner sees all of *their* firm: this client has nothing there.
    foreign = await world.http.get(listing, headers=world.staff_token(uuid.uuid4()))
    unassigned = await world.http.get(listing, headers=world.staff_token(firm, role="member"))
    assert (await foreign.json())["items"] == []
    assert unassigned.status == 404
    as_contact = world.contact_token(firm, contact, client)
    assert (await world.http.get(path, headers=as_contact)).status == 200
    contact_cancel = await world.http.post(f"{path}/cancel", json={}, headers=as_contact)
    assert contact_cancel.status == 403


async def test_a_member_sees_a_client_once_assigned(world: World) -> None:
    firm, client, member = await world.open_firm(), uuid.uuid4(), uuid.uuid4()
    created = await world.create(
        world.staff_token(firm), await world.pdf(firm, client), [party("A", "a@x.se")]
    )
    headers = world.staff_token(firm, role="member", user_id=member)
    before = await world.http.get(f"/api/v1/signings/{created['id']}", headers=headers)
    await world.publish(StaffAssigned(staff_id=member, client_id=client), firm)
    await wait_until(
        lambda: world.sql("SELECT 1 FROM staff_assignments WHERE staff_id = $1", member)
    )
    after = await world.http.get(f"/api/v1/signings/{created['id']}", headers=headers)
    assert (before.status, after.status) == (404, 200)


async def test_a_member_listing_right_after_being_assigned_waits_for_it(world: World) -> None:
    """Assigned a moment ago at identity: the listing waits for the StaffAssigned on its way
    instead of answering that the client does not exist."""
    firm, client, member = await world.open_firm(), uuid.uuid4(), uuid.uuid4()
    headers = world.staff_token(firm, role="member", user_id=member)
    listing = asyncio.create_task(
        world.http.get(f"/api/v1/signings?client_id={client}", headers=headers)
    )
    await asyncio.sleep(0.3)  # the request is waiting before the event is even published
    await world.publish(StaffAssigned(staff_id=member, client_id=client), firm)
    answer = await listing
    assert answer.status == 200
    assert (await answer.json())["items"] == []


async def test_a_contact_party_sees_the_request_in_needs_attention_until_signed(
    world: World,
) -> None:
    firm, client, contact = await world.open_firm(), uuid.uuid4(), uuid.uuid4()
    await world.publish(
        ContactLinked(contact_id=contact, client_id=client, roles=["commercial"], primary=True),
        firm,
    )
    await wait_until(
        lambda: world.sql("SELECT 1 FROM relationships WHERE contact_id = $1", contact)
    )
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [
        party("Kund", "kund@example.se", contact_id=str(contact)),
    ])  # fmt: skip
    headers = world.contact_token(firm, contact, client)
    await world.send(owner, created["id"])
    waiting = await (
        await world.http.get("/api/v1/signings/needs-attention", headers=headers)
    ).json()
    token = await world.invitation("kund@example.se")
    await world.http.post(f"/api/v1/sign/{token}/sign", json={})
    after = await (await world.http.get("/api/v1/signings/needs-attention", headers=headers)).json()

    assert [(i["id"], i["reason"]) for i in waiting["items"]] == [
        (created["id"], "waiting_for_you")
    ]
    assert after["items"] == []


async def linked_contact(world: World, firm: uuid.UUID, client: uuid.UUID) -> uuid.UUID:
    contact = uuid.uuid4()
    await world.publish(
        ContactLinked(contact_id=contact, client_id=client, roles=["commercial"], primary=True),
        firm,
    )
    await wait_until(
        lambda: world.sql("SELECT 1 FROM relationships WHERE contact_id = $1", contact)
    )
    return contact


async def party_link(world: World, headers: dict[str, str], signing: str) -> tuple[int, dict]:
    response = await world.http.post(f"/api/v1/signings/{signing}/party-link", headers=headers)
    return response.status, await response.json()


async def test_a_contact_party_opens_their_party_page_from_the_portal_when_it_is_their_turn(
    world: World,
) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    first = await linked_contact(world, firm, client)
    second = await linked_contact(world, firm, client)
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [
        party("Först", "forst@example.se", contact_id=str(first), order=1),
        party("Sist", "sist@example.se", contact_id=str(second), order=2),
    ])  # fmt: skip
    as_first = world.contact_token(firm, first, client)
    as_second = world.contact_token(firm, second, client)
    draft = await party_link(world, as_first, created["id"])
    await world.send(owner, created["id"])
    early = await party_link(world, as_second, created["id"])
    status, link = await party_link(world, as_first, created["id"])
    opened = await (await world.http.get(f"/api/v1/sign/{link['token']}")).json()
    signed = await world.http.post(f"/api/v1/sign/{link['token']}/sign", json={})
    again = await party_link(world, as_first, created["id"])
    _, turn = await party_link(world, as_second, created["id"])

    assert draft[0] == 410
    assert early[0] == 409
    assert status == 201
    assert link["url"].endswith(f"/sign#token={link['token']}")
    assert opened["document_name"] == created["document_name"]
    assert opened["may_act_now"]
    assert signed.status == 200
    assert again[0] == 409
    assert turn["token"] != link["token"]


async def test_nobody_but_the_contact_party_gets_a_party_link(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    contact = await linked_contact(world, firm, client)
    other = await linked_contact(world, firm, client)
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [
        party("Kund", "kund@example.se", contact_id=str(contact)),
    ])  # fmt: skip
    await world.send(owner, created["id"])
    stranger_firm = await world.open_firm()
    for headers in (
        world.contact_token(firm, other, client),
        world.contact_token(firm, contact, uuid.uuid4()),
        world.contact_token(stranger_firm, contact, client),
    ):
        status, problem = await party_link(world, headers, created["id"])
        assert status == 404, problem
    status, _ = await party_link(world, owner, created["id"])
    assert status == 403


async def test_a_contact_not_linked_to_the_client_cannot_be_a_linked_party(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    problem = await world.create(world.staff_token(firm), await world.pdf(firm, client), [
        party("Stranger", "s@example.se", contact_id=str(uuid.uuid4())),
    ], expect=422)  # fmt: skip
    assert problem["field"] == "parties.0"
