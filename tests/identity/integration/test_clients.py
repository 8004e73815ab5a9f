"""Clients: creation with contacts in one call, validation with nothing half-created, search
and pagination, archiving, one primary contact, and tenant isolation."""

import uuid
from typing import Any

from tests.identity.integration.conftest import Identity, new_email
from tests.support.capture import Capture

PERSON = {"first_name": "Anna", "last_name": "Berg", "personal_number": "19811218-9876"}


async def new_client(as_staff: Identity, name: str = "Kund AB", **extra: Any) -> dict[str, Any]:
    answer = await as_staff.post("/api/v1/clients", {"kind": "company", "name": name} | extra)
    assert answer.status == 201, answer.body
    return answer.body


async def test_one_call_sets_up_a_customer_with_its_people(
    identity: Identity, captured: Capture
) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    created = await new_client(
        as_owner,
        organisation_number="556677-8899",
        contacts=[
            PERSON | {"email": new_email(), "roles": ["commercial"], "primary": True},
            {"first_name": "Bo", "last_name": "Ek", "email": new_email(), "phone": "070-1234567"},
        ],
    )
    assert [c["has_personal_number"] for c in created["contacts"]] == [True, False]
    assert created["contacts"][1]["phone"] == "+46701234567"
    links = (await as_owner.get(f"/api/v1/clients/{created['id']}/contacts")).body["items"]
    assert [(link["roles"], link["primary"]) for link in links] == [
        (["commercial"], True),
        (["employee"], False),
    ]
    event = await captured.next(
        "identity.client.created", lambda d: d["client_id"] == created["id"]
    )
    assert event["organisation_number"] == "556677-8899"
    await captured.next("identity.contact.linked", lambda d: d["primary"])
    contact_events = [m for m in captured.messages if m["type"] == "identity.contact.created"]
    assert len(contact_events) == 2
    assert all(
        "personal_number" not in m["data"] and "19811218" not in str(m["data"])
        for m in captured.messages
    )


async def test_bad_contact_input_names_the_field_and_creates_nothing(identity: Identity) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    good = {"first_name": "Anna", "last_name": "Berg", "email": new_email()}
    cases = [
        ({"contacts": [good, good | {"email": "bad"}]}, "contacts.1.email"),
        (
            {"contacts": [good, {**PERSON, "personal_number": "19811218-9875"}]},
            "contacts.1.personal_number",
        ),
        ({"contacts": [good | {"phone": "12"}]}, "contacts.0.phone"),
        ({"contacts": [good | {"roles": ["boss"]}]}, "contacts.0.roles.0"),
        ({"contacts": [good, good]}, "contacts.1.email"),
        ({"contacts": [good | {"primary": True}, PERSON | {"primary": True}]}, "contacts"),
        ({"kind": "government"}, "kind"),
    ]
    for change, field in cases:
        body = {"kind": "company", "name": "Half AB"} | change
        answer = await as_owner.post("/api/v1/clients", body)
        assert answer.status == 422, (change, answer.body)
        assert answer.body["field"] == field
    assert await identity.value("SELECT count(*) FROM clients") == 0
    assert await identity.value("SELECT count(*) FROM contacts") == 0


async def test_search_pagination_and_archive(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    for name in ("Alfa AB", "Beta AB", "Gamma Bygg AB", "Delta Bygg AB"):
        await new_client(as_owner, name)
    page = await as_owner.get("/api/v1/clients", limit="2", offset="1")
    assert page.body["total"] == 4
    assert [c["name"] for c in page.body["items"]] == ["Beta AB", "Delta Bygg AB"]
    found = await as_owner.get("/api/v1/clients", q="bygg")
    assert [c["name"] for c in found.body["items"]] == ["Delta Bygg AB", "Gamma Bygg AB"]
    bad = await as_owner.get("/api/v1/clients", limit="0")
    assert bad.status == 422
    assert bad.body["field"] == "limit"
    gamma = found.body["items"][1]
    archived = await as_owner.post(f"/api/v1/clients/{gamma['id']}/archive")
    assert archived.body["archived"] is True
    await captured.next("identity.client.archived", lambda d: d["client_id"] == gamma["id"])
    live = await as_owner.get("/api/v1/clients", q="bygg")
    assert [c["name"] for c in live.body["items"]] == ["Delta Bygg AB"]
    old = await as_owner.get("/api/v1/clients", archived="true")
    assert [c["name"] for c in old.body["items"]] == ["Gamma Bygg AB"]


async def test_only_one_primary_contact_per_client(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    created = await new_client(
        as_owner,
        contacts=[
            {"first_name": "A", "last_name": "A", "primary": True},
            {"first_name": "B", "last_name": "B"},
        ],
    )
    first, second = (c["id"] for c in created["contacts"])
    moved = await as_owner.put(
        f"/api/v1/clients/{created['id']}/contacts/{second}",
        {"roles": ["operational", "commercial"], "primary": True},
    )
    assert moved.status == 200
    assert moved.body["roles"] == ["commercial", "operational"]
    links = (await as_owner.get(f"/api/v1/clients/{created['id']}/contacts")).body["items"]
    assert {link["contact_id"]: link["primary"] for link in links} == {first: False, second: True}
    unlinked = await as_owner.delete(f"/api/v1/clients/{created['id']}/contacts/{first}")
    assert unlinked.status == 204
    await captured.next("identity.contact.unlinked", lambda d: d["contact_id"] == first)


async def test_another_firms_ids_are_not_found(identity: Identity) -> None:
    ours, theirs = await identity.sign_up(), await identity.sign_up()
    as_them = identity.as_(theirs["token"])
    created = await new_client(
        identity.as_(ours["token"]), contacts=[{"first_name": "A", "last_name": "A"}]
    )
    contact_id = created["contacts"][0]["id"]
    their_client = await new_client(as_them, "Theirs AB")
    attempts = [
        ("GET", f"/api/v1/clients/{created['id']}", None),
        ("PATCH", f"/api/v1/clients/{created['id']}", {"name": "Taken"}),
        ("POST", f"/api/v1/clients/{created['id']}/archive", None),
        ("GET", f"/api/v1/clients/{created['id']}/contacts", None),
        ("GET", f"/api/v1/contacts/{contact_id}", None),
        ("PATCH", f"/api/v1/contacts/{contact_id}", {"first_name": "X"}),
        ("PUT", f"/api/v1/contacts/{contact_id}/portal-access", {"enabled": True}),
        ("PUT", f"/api/v1/clients/{their_client['id']}/contacts/{contact_id}", {"primary": True}),
        ("PUT", f"/api/v1/staff/{ours['owner_id']}/clients/{their_client['id']}", None),
        ("PATCH", f"/api/v1/staff/{ours['owner_id']}", {"role": "member"}),
        ("GET", f"/api/v1/clients/{uuid.uuid4()}", None),
        ("GET", "/api/v1/clients/not-a-uuid", None),
    ]
    for method, path, body in attempts:
        answer = await as_them.call(method, path, body)
        assert answer.status == 404, (method, path, answer.body)
    listed = await as_them.get("/api/v1/clients")
    assert [c["name"] for c in listed.body["items"]] == ["Theirs AB"]
    mine = await identity.as_(ours["token"]).get(f"/api/v1/clients/{created['id']}")
    assert mine.body["name"] == "Kund AB"


async def test_a_person_already_a_contact_is_found_by_email_and_linked_not_doubled(
    identity: Identity,
) -> None:
    owner, other = await identity.sign_up(), await identity.sign_up()
    as_owner, as_other = identity.as_(owner["token"]), identity.as_(other["token"])
    email = new_email()
    first = await new_client(as_owner, contacts=[PERSON | {"email": email}])
    second = await new_client(as_owner, name="Filial AB")

    found = await as_owner.get("/api/v1/contacts", email=email.upper())
    unknown = await as_owner.get("/api/v1/contacts", email=new_email())
    elsewhere = await as_other.get("/api/v1/contacts", email=email)
    bad = await as_owner.get("/api/v1/contacts", email="not an address")
    nobody = await identity.as_(None).get("/api/v1/contacts", email=email)
    linked = await as_owner.put(
        f"/api/v1/clients/{second['id']}/contacts/{found.body['id']}", {"roles": ["employee"]}
    )

    assert found.status == 200
    # Enough to link the person, nothing more (no email, phone or number).
    assert found.body == {
        "id": first["contacts"][0]["id"], "first_name": "Anna", "last_name": "Berg",
    }  # fmt: skip
    assert unknown.status == 404
    assert elsewhere.status == 404
    assert bad.status == 422
    assert bad.body["field"] == "email"
    assert nobody.status == 401
    assert linked.status == 200
