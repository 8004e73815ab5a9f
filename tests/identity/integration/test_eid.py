"""eID sign-in through the local test provider: pending until confirmed, single use, and a
contact without an email gives one before going on."""

from services.identity.settings import IdentitySettings
from tests.identity.integration.conftest import (
    FAST,
    Identity,
    StartIdentity,
    token_from,
)
from tests.support.capture import Capture

NUMBER = "19811218-9876"


async def eid_customer(identity: Identity) -> tuple[dict, dict, dict, dict]:
    """A firm with eID on, and an individual client whose one contact has only a personal
    number (no email) and portal access: (owner, client, contact, portal access)."""
    owner = await identity.sign_up()
    await identity.allow_eid(owner["token"])
    person = {"first_name": "Eva", "last_name": "Id", "personal_number": NUMBER}
    created = (await identity.as_(owner["token"]).post(
        "/api/v1/clients", {"kind": "individual", "name": "Eva Id", "contacts": [person]}
    )).body  # fmt: skip
    contact = created["contacts"][0]
    access = await identity.as_(owner["token"]).put(
        f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": True}
    )
    return owner, created, contact, access.body


async def test_eid_sign_in_asks_an_email_once_then_signs_in(
    start_identity: StartIdentity, env, captured: Capture
) -> None:
    settings = await env.settings(IdentitySettings, **(FAST | {"eid_confirm_seconds": 0.5}))
    async with start_identity(settings) as identity:
        owner, created, contact, access = await eid_customer(identity)
        assert access == access | {"enabled": True, "status": "not_invited"}
        order = await identity.post("/api/v1/auth/eid/start", {"personal_number": "811218-9876"})
        assert order.status == 201
        ref = {"order_ref": order.body["order_ref"]}
        first = await identity.post("/api/v1/auth/eid/collect", ref)
        assert first.body == {"status": "pending", "tokens": None}

        async def confirmed() -> bool:
            answer = await identity.post("/api/v1/auth/eid/collect", ref)
            return answer.status == 422 and answer.body["field"] == "email"

        await identity.until(confirmed)
        done = await identity.post("/api/v1/auth/eid/collect", ref | {"email": "eva@example.com"})
        assert done.status == 200
        assert done.body["tokens"]["context"]["client_id"] == created["id"]
        again = await identity.post("/api/v1/auth/eid/collect", ref | {"email": "eva@example.com"})
        assert again.status == 410
        shown = await identity.as_(owner["token"]).get(f"/api/v1/contacts/{contact['id']}")
        assert shown.body["email"] == "eva@example.com"
        await captured.next(
            "identity.contact.registered", lambda d: d["contact_id"] == contact["id"]
        )


async def test_eid_for_nobody_with_access_is_refused(identity: Identity) -> None:
    order = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
    bad = await identity.post("/api/v1/auth/eid/start", {"personal_number": "19811218-9875"})
    assert bad.status == 422
    assert bad.body["field"] == "personal_number"
    ref = {"order_ref": order.body["order_ref"]}

    async def refused() -> bool:
        return (await identity.post("/api/v1/auth/eid/collect", ref)).status == 403

    await identity.until(refused)
    forged = await identity.post(
        "/api/v1/auth/eid/collect", {"order_ref": "AAAA" + ref["order_ref"][4:]}
    )
    assert forged.status == 410
    for garbled in ("not-a-reference", "A", "ä" * 10):
        answer = await identity.post("/api/v1/auth/eid/collect", {"order_ref": garbled})
        assert (answer.status, answer.body["field"]) == (410, "order_ref")


async def test_eid_sign_in_against_bankid_with_qr_and_a_late_email(
    start_identity: StartIdentity, env, bankid
) -> None:
    """The real adapter over mutual TLS: the app opens from the autostart token or the QR data,
    BankID answers the completed order once, and the sign-in still waits for an email."""
    settings = await env.settings(IdentitySettings, **FAST, **bankid.client_settings())
    async with start_identity(settings) as identity:
        _owner, created, _contact, _access = await eid_customer(identity)
        order = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
        assert order.status == 201
        assert order.body["auto_start_token"]
        ref = {"order_ref": order.body["order_ref"]}
        assert bankid.orders[ref["order_ref"]].personal_number == "198112189876"
        shown = await identity.post("/api/v1/auth/eid/qr", ref)
        assert shown.body["qr_data"].startswith("bankid.")
        assert (await identity.post("/api/v1/auth/eid/collect", ref)).body["status"] == "pending"
        bankid.complete(ref["order_ref"])
        asked = await identity.post("/api/v1/auth/eid/collect", ref)
        assert asked.status == 422
        assert asked.body["field"] == "email"
        assert (await identity.post("/api/v1/auth/eid/qr", ref)).body["qr_data"] is None
        done = await identity.post("/api/v1/auth/eid/collect", ref | {"email": "eva@example.com"})
        assert done.status == 200, done.body
        assert done.body["tokens"]["context"]["client_id"] == created["id"]


async def test_bankid_vouching_for_someone_else_opens_nothing(
    start_identity: StartIdentity, env, bankid
) -> None:
    settings = await env.settings(IdentitySettings, **FAST, **bankid.client_settings())
    async with start_identity(settings) as identity:
        order = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
        ref = {"order_ref": order.body["order_ref"]}
        bankid.complete(ref["order_ref"], personal_number="199001010017")
        assert (await identity.post("/api/v1/auth/eid/collect", ref)).status == 410


async def test_an_account_that_verified_its_number_is_opened_by_eid_for_contacts_only(
    identity: Identity, captured: Capture
) -> None:
    bureau, person = await identity.sign_up(name="Bureau AB"), await identity.sign_up(name="Own AB")
    await identity.allow_eid(bureau["token"])
    # The person is a customer of the bureau (accepted by mail), with no number on that record.
    answer = await identity.as_(bureau["token"]).post("/api/v1/clients", {
        "kind": "individual", "name": "Customer",
        "contacts": [{"first_name": "Per", "last_name": "Son", "email": person["email"]}],
    })  # fmt: skip
    contact = answer.body["contacts"][0]
    await identity.as_(bureau["token"]).put(
        f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": True}
    )
    sent = await captured.next(
        "notify.send_invitation", lambda d: d["recipient_id"] == contact["id"]
    )
    accept = {"token": token_from(sent["link"])}
    assert (await identity.post("/api/v1/auth/invitation/accept", accept)).status == 200
    # Signed in with the password, the person verifies their own number by eID.
    order = await start_order(identity)
    verified = await identity.as_(person["token"]).put("/api/v1/me/personal-number", order)
    assert verified.status == 204, verified.body
    again = await identity.as_(person["token"]).put("/api/v1/me/personal-number", order)
    assert again.status == 410
    signed_in = await identity.post("/api/v1/auth/eid/collect", await start_order(identity))
    assert signed_in.status == 200, signed_in.body
    tokens = signed_in.body["tokens"]
    assert tokens["context"]["person_id"] == contact["id"]
    # eID proves a person, not the account's staff memberships.
    me = await identity.as_(tokens["access_token"]).get("/api/v1/me")
    assert [m["kind"] for m in me.body["memberships"]] == ["contact"]
    into_own = {"firm_id": person["firm"]["id"]}
    assert (
        await identity.as_(tokens["access_token"]).post("/api/v1/auth/switch", into_own)
    ).status == 403


async def start_order(identity: Identity) -> dict:
    started = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
    assert started.status == 201, started.body
    return {"order_ref": started.body["order_ref"]}
