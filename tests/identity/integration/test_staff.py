"""Staff: invitations with roles, registration, role changes, deactivation, assignments,
one account across firms with context switching, and who may reach staff endpoints."""

import uuid
from typing import Any

from tests.identity.integration.conftest import (
    PASSWORD,
    Identity,
    new_email,
    token_from,
)
from tests.support.capture import Capture


async def invite(
    identity: Identity,
    captured: Capture,
    owner: dict[str, Any],
    role: str = "member",
    email: str = "",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Invite a staff user; returns (their record, the SendInvitation command)."""
    email = email or new_email("staff")
    answer = await identity.as_(owner["token"]).post(
        "/api/v1/staff", {"email": email, "name": "Sam Staff", "role": role}
    )
    assert answer.status == 201, answer.body
    command = await captured.next(
        "notify.send_invitation", lambda d: d["recipient_id"] == answer.body["id"]
    )
    return answer.body, command


async def join(
    identity: Identity, captured: Capture, owner: dict[str, Any], role: str = "member"
) -> str:
    """Invite and register a staff user; returns their access token."""
    _, command = await invite(identity, captured, owner, role)
    registered = await identity.post(
        "/api/v1/auth/register", {"token": token_from(command["link"]), "password": PASSWORD}
    )
    assert registered.status == 200, registered.body
    return registered.body["access_token"]


async def test_invited_staff_register_and_sign_in(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    staff, command = await invite(identity, captured, owner, "admin")
    assert staff["role"] == "admin"
    assert staff["registered"] is False
    assert command["link"].startswith("http")
    assert command["email"] == staff["email"]
    created = await captured.next("identity.staff.created", lambda d: d["staff_id"] == staff["id"])
    assert created["role"] == "admin"
    assert all(
        "token" not in str(m["data"])
        for m in captured.messages
        if m["type"].startswith("identity.")
    )
    token = token_from(command["link"])
    registered = await identity.post(
        "/api/v1/auth/register", {"token": token, "password": PASSWORD}
    )
    assert registered.body["context"]["role"] == "admin"
    signed_in = await identity.post(
        "/api/v1/auth/sign-in", {"email": staff["email"], "password": PASSWORD}
    )
    assert signed_in.status == 200
    again = await identity.post("/api/v1/auth/register", {"token": token, "password": PASSWORD})
    unknown = await identity.post(
        "/api/v1/auth/register", {"token": "x" * 43, "password": PASSWORD}
    )
    assert again.status == unknown.status == 410
    assert again.body == unknown.body


async def test_staff_invitation_refuses_bad_input(identity: Identity) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    cases = [
        ({"email": "nope", "name": "N", "role": "member"}, "email"),
        ({"email": new_email(), "name": "N", "role": "boss"}, "role"),
        ({"email": owner["email"], "name": "N", "role": "member"}, "email"),
    ]
    for body, field in cases:
        answer = await as_owner.post("/api/v1/staff", body)
        assert answer.status == 422, body
        assert answer.body["field"] == field
    assert await identity.value("SELECT count(*) FROM staff") == 1
    assert await identity.value("SELECT count(*) FROM accounts") == 1


async def test_role_rules(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    admin_token = await join(identity, captured, owner, "admin")
    as_admin = identity.as_(admin_token)
    member, _ = await invite(identity, captured, owner, "member")
    promoted = await as_admin.patch(f"/api/v1/staff/{member['id']}", {"role": "admin"})
    assert promoted.status == 200
    assert promoted.body["role"] == "admin"
    updated = await captured.next("identity.staff.updated", lambda d: d["staff_id"] == member["id"])
    assert updated["role"] == "admin"
    to_owner = await as_admin.patch(f"/api/v1/staff/{member['id']}", {"role": "owner"})
    assert to_owner.status == 403
    last = await identity.as_(owner["token"]).patch(
        f"/api/v1/staff/{owner['owner_id']}", {"role": "admin"}
    )
    assert last.status == 409
    member_token = await join(identity, captured, owner, "member")
    by_member = await identity.as_(member_token).post(
        "/api/v1/staff", {"email": new_email(), "name": "N", "role": "member"}
    )
    assert by_member.status == 403


async def test_deactivation_ends_sessions_at_once(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    token = await join(identity, captured, owner, "member")
    me = await identity.as_(token).get("/api/v1/me")
    assert me.status == 200
    staff_id = me.body["context"]["person_id"]
    off = await identity.as_(owner["token"]).post(f"/api/v1/staff/{staff_id}/deactivate")
    assert off.status == 200
    assert off.body["active"] is False
    assert (await identity.as_(token).get("/api/v1/me")).status == 401
    await captured.next("identity.staff.deactivated", lambda d: d["staff_id"] == staff_id)
    listed = await identity.as_(owner["token"]).get("/api/v1/staff")
    assert {s["id"]: s["active"] for s in listed.body["items"]}[staff_id] is False


async def test_one_account_two_firms_and_context_switching(
    identity: Identity, captured: Capture
) -> None:
    first, second = (
        await identity.sign_up(name="First AB"),
        await identity.sign_up(name="Second AB"),
    )
    staff, command = await invite(identity, captured, second, "member", email=first["email"])
    assert command["existing_account"] is True
    assert staff["registered"] is False
    accepted = await identity.post(
        "/api/v1/auth/invitation/accept", {"token": token_from(command["link"])}
    )
    assert accepted.status == 200, accepted.body
    assert accepted.body["context"]["role"] == "member"
    signed_in = await identity.post(
        "/api/v1/auth/sign-in", {"email": first["email"], "password": PASSWORD}
    )
    as_person = identity.as_(signed_in.body["access_token"])
    me = await as_person.get("/api/v1/me")
    firms = {m["firm_name"]: m["role"] for m in me.body["memberships"]}
    assert firms == {"First AB": "owner", "Second AB": "member"}
    switched = await as_person.post("/api/v1/auth/switch", {"firm_id": second["firm"]["id"]})
    assert switched.status == 200
    assert switched.body["context"] == {
        "firm_id": second["firm"]["id"], "kind": "staff", "person_id": staff["id"],
        "client_id": None, "role": "member",
    }  # fmt: skip
    firm = await identity.as_(switched.body["access_token"]).get("/api/v1/firms/current")
    assert firm.body["name"] == "Second AB"
    elsewhere = await identity.as_(switched.body["access_token"]).post(
        "/api/v1/auth/switch", {"firm_id": str(uuid.uuid4())}
    )
    assert elsewhere.status == 403


async def test_members_see_only_assigned_clients(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    member_token = await join(identity, captured, owner, "member")
    member_id = (await identity.as_(member_token).get("/api/v1/me")).body["context"]["person_id"]
    mine = (await as_owner.post("/api/v1/clients", {"kind": "company", "name": "Mine AB"})).body
    other = (await as_owner.post("/api/v1/clients", {"kind": "company", "name": "Other AB"})).body
    assigned = await as_owner.put(f"/api/v1/staff/{member_id}/clients/{mine['id']}")
    assert assigned.status == 204
    listed = await as_owner.get(f"/api/v1/staff/{member_id}/clients")
    assert listed.body == {"clients": [{"client_id": mine["id"], "name": "Mine AB"}]}
    own = await identity.as_(member_token).get(f"/api/v1/staff/{member_id}/clients")
    assert own.status == 403
    stranger = identity.as_((await identity.sign_up())["token"])
    assert (await stranger.get(f"/api/v1/staff/{member_id}/clients")).status == 404
    await captured.next("identity.staff.assigned", lambda d: d["client_id"] == mine["id"])
    as_member = identity.as_(member_token)
    listed = await as_member.get("/api/v1/clients")
    assert [c["name"] for c in listed.body["items"]] == ["Mine AB"]
    assert (await as_member.get(f"/api/v1/clients/{other['id']}")).status == 404
    change = {"name": "Renamed"}
    assert (await as_member.patch(f"/api/v1/clients/{other['id']}", change)).status == 404
    assert (await as_member.patch(f"/api/v1/clients/{mine['id']}", change)).status == 200
    unassigned = await as_owner.delete(f"/api/v1/staff/{member_id}/clients/{mine['id']}")
    assert unassigned.status == 204
    assert (await as_member.get(f"/api/v1/clients/{mine['id']}")).status == 404
    await captured.next("identity.staff.unassigned", lambda d: d["client_id"] == mine["id"])


async def test_members_create_contacts_only_for_their_clients(
    identity: Identity, captured: Capture
) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    member_token = await join(identity, captured, owner, "member")
    member_id = (await identity.as_(member_token).get("/api/v1/me")).body["context"]["person_id"]
    mine = (await as_owner.post("/api/v1/clients", {"kind": "company", "name": "Mine AB"})).body
    other = (await as_owner.post("/api/v1/clients", {"kind": "company", "name": "Other AB"})).body
    await as_owner.put(f"/api/v1/staff/{member_id}/clients/{mine['id']}")
    as_member = identity.as_(member_token)
    person = {"first_name": "P", "last_name": "Q"}
    loose = await as_member.post("/api/v1/contacts", person)
    assert loose.status == 422
    assert loose.body["field"] == "clients"
    theirs = await as_member.post(
        "/api/v1/contacts", person | {"clients": [{"client_id": other["id"]}]}
    )
    assert theirs.status == 422
    assert theirs.body["field"] == "clients.0.client_id"
    ours = await as_member.post(
        "/api/v1/contacts", person | {"clients": [{"client_id": mine["id"]}]}
    )
    assert ours.status == 201
    assert (await as_member.get(f"/api/v1/contacts/{ours.body['id']}")).status == 200
