"""Bulk portal access: a result per contact, refusals isolated, invitations left to the job."""

from tests.identity.integration.conftest import Identity, new_email
from tests.support.capture import Capture


async def test_bulk_access_reports_each_contact(identity: Identity, captured: Capture) -> None:
    owner, stranger = await identity.sign_up(), await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    people = [
        {"first_name": "Med", "last_name": "Epost", "email": new_email()},
        {"first_name": "Utan", "last_name": "Epost"},
    ]
    full = (await as_owner.post(
        "/api/v1/clients", {"kind": "company", "name": "Full AB", "contacts": people}
    )).body  # fmt: skip
    empty = (await as_owner.post("/api/v1/clients", {"kind": "company", "name": "Tom AB"})).body
    foreign = (await identity.as_(stranger["token"]).post(
        "/api/v1/clients", {"kind": "individual", "name": "X", "contacts": [people[0]]}
    )).body["contacts"][0]  # fmt: skip
    answer = await as_owner.post(
        "/api/v1/portal-access",
        {"client_ids": [full["id"], empty["id"]], "contact_ids": [foreign["id"]]},
    )
    assert answer.status == 200
    results = answer.body["results"]
    by_contact = {r["contact_id"]: r for r in results if r["contact_id"]}
    with_email, without = (c["id"] for c in full["contacts"])
    assert by_contact[with_email]["ok"] is True
    assert by_contact[with_email]["status"] in ("scheduled", "sent")
    assert by_contact[without] == {
        "contact_id": without, "client_id": None, "ok": False, "status": None,
        "detail": "The contact needs an email address to be invited.", "field": "email",
    }  # fmt: skip
    assert by_contact[foreign["id"]]["ok"] is False
    assert next(r for r in results if r["client_id"] == empty["id"])["ok"] is False
    await captured.next("notify.send_invitation", lambda d: d["recipient_id"] == with_email)
    status = await as_owner.get(f"/api/v1/contacts/{with_email}/portal-access")
    assert status.body["status"] == "sent"
    untouched = await identity.as_(stranger["token"]).get(
        f"/api/v1/contacts/{foreign['id']}/portal-access"
    )
    assert untouched.body["enabled"] is False


async def test_bulk_needs_something_to_do(identity: Identity) -> None:
    owner = await identity.sign_up()
    answer = await identity.as_(owner["token"]).post("/api/v1/portal-access", {})
    assert answer.status == 422
    assert answer.body["field"] == "contact_ids"
