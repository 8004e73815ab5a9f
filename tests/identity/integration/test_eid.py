"""eID sign-in through the local test provider: pending until confirmed, single use, and a
contact without an email gives one before going on."""

from services.identity.app import create_app
from services.identity.settings import IdentitySettings
from tests.identity.integration.conftest import FAST, Client, Tap, allow_eid, sign_up
from tests.support.infra import wait_until
from tests.support.services import serve

NUMBER = "19811218-9876"


async def test_eid_sign_in_asks_an_email_once_then_signs_in(env, tap: Tap, sql_for) -> None:
    settings = await env.settings(IdentitySettings, **(FAST | {"eid_confirm_seconds": 0.5}))
    async with serve(create_app(settings)) as running:
        client = Client(running)
        owner = await sign_up(client)
        await allow_eid(client, owner["token"])
        person = {"first_name": "Eva", "last_name": "Id", "personal_number": NUMBER}
        created = (await client.as_(owner["token"]).post(
            "/api/v1/clients", {"kind": "individual", "name": "Eva Id", "contacts": [person]}
        )).body  # fmt: skip
        contact = created["contacts"][0]
        access = await client.as_(owner["token"]).put(
            f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": True}
        )
        assert access.body == access.body | {"enabled": True, "status": "not_invited"}
        order = await client.post("/api/v1/auth/eid/start", {"personal_number": "811218-9876"})
        assert order.status == 201
        ref = {"order_ref": order.body["order_ref"]}
        first = await client.post("/api/v1/auth/eid/collect", ref)
        assert first.body == {"status": "pending", "tokens": None}

        async def confirmed() -> bool:
            answer = await client.post("/api/v1/auth/eid/collect", ref)
            return answer.status == 422 and answer.body["field"] == "email"

        await wait_until(confirmed)
        done = await client.post("/api/v1/auth/eid/collect", ref | {"email": "eva@example.com"})
        assert done.status == 200
        assert done.body["tokens"]["context"]["client_id"] == created["id"]
        again = await client.post("/api/v1/auth/eid/collect", ref | {"email": "eva@example.com"})
        assert again.status == 410
        shown = await client.as_(owner["token"]).get(f"/api/v1/contacts/{contact['id']}")
        assert shown.body["email"] == "eva@example.com"
        await tap.next("identity.contact.registered", lambda d: d["contact_id"] == contact["id"])


async def test_eid_for_nobody_with_access_is_refused(client: Client) -> None:
    order = await client.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
    bad = await client.post("/api/v1/auth/eid/start", {"personal_number": "19811218-9875"})
    assert bad.status == 422
    assert bad.body["field"] == "personal_number"
    ref = {"order_ref": order.body["order_ref"]}

    async def refused() -> bool:
        return (await client.post("/api/v1/auth/eid/collect", ref)).status == 403

    await wait_until(refused)
    forged = await client.post(
        "/api/v1/auth/eid/collect", {"order_ref": "AAAA" + ref["order_ref"][4:]}
    )
    assert forged.status == 410
    for garbled in ("not-a-reference", "A", "ä" * 10):
        answer = await client.post("/api/v1/auth/eid/collect", {"order_ref": garbled})
        assert (answer.status, answer.body["field"]) == (410, "order_ref")
