"""Right after a change at identity, through the gateway: the other services answer at once
(waiting for identity's event if they must), never that the firm or the client does not
exist. Each call below follows the one that made its subject without any retry."""

import uuid

from tests.web.portal import PASSWORD, Portal


async def test_every_service_answers_right_after_sign_up_and_a_new_client(
    platform: Portal,
) -> None:
    owner_email = f"owner-{uuid.uuid4().hex[:8]}@firm.example"
    await platform.call("POST", "/api/v1/firms", expect=202, json={
        "name": "Snabb Byrå", "country": "SE", "plan": "partner", "owner_name": "Ola Ägare",
        "owner_email": owner_email,
    })  # fmt: skip
    token = (await platform.link(owner_email, "/sign-up/confirm")).rsplit("#token=", 1)[1]
    firm = await platform.call("POST", "/api/v1/firms/confirm", expect=201,
                               json={"token": token, "password": PASSWORD})  # fmt: skip
    owner = firm["tokens"]["access_token"]
    account = await platform.call("GET", "/api/v1/billing/account", owner)
    assert account["plan"] == "partner"
    await platform.call("GET", "/api/v1/notifications", owner)
    client = await platform.call("POST", "/api/v1/clients", owner, expect=201,
                                 json={"kind": "company", "name": "Ny Kund AB"})  # fmt: skip
    folder = await platform.call("POST", f"/api/v1/clients/{client['id']}/folders", owner,
                                 expect=201, json={"name": "Avtal"})  # fmt: skip
    listing = await platform.call("GET", f"/api/v1/clients/{client['id']}/folders", owner)
    assert [f["id"] for f in listing["folders"]] == [folder["id"]]
    await platform.call("GET", "/api/v1/signings", owner, params={"client_id": client["id"]})
