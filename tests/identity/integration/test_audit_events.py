"""What identity tells the firm's audit log: each sign-in (how, and from which address, as the
trusted gateway saw it), each change of the portal settings, of a second factor and of a
contact's secret link, as events on the bus."""

from tests.identity.integration.conftest import PASSWORD, Identity
from tests.identity.integration.test_portal import registered
from tests.identity.integration.test_portal_settings import put_settings
from tests.identity.integration.test_totp import code
from tests.support.capture import Capture


async def test_a_sign_in_is_announced_with_its_method_and_address(
    identity: Identity, captured: Capture
) -> None:
    firm = await identity.sign_up()
    body = {"email": firm["email"], "password": PASSWORD}
    async with identity.http.post(
        "/api/v1/auth/sign-in", json=body, headers={"X-Real-IP": "203.0.113.9"}
    ) as response:
        assert response.status == 200
        signed_in = await response.json()
    opened = await captured.next(
        "identity.session.opened", lambda d: d["source_address"] == "203.0.113.9"
    )
    assert opened["method"] == "password"
    assert opened["person_kind"] == "staff"
    envelope = next(m for m in captured.messages if m["data"] == opened)
    assert envelope["actor"] == signed_in["context"]["person_id"]
    assert envelope["firm_id"] == firm["firm"]["id"]


async def test_a_change_of_the_portal_settings_is_announced(
    identity: Identity, captured: Capture
) -> None:
    firm = await identity.sign_up()
    methods = {"sign_in_methods": ["password", "magic_link"], "portal_access_default": True}
    answer = await identity.as_(firm["token"]).put("/api/v1/firms/current/portal-settings", methods)
    assert answer.status == 200, answer.body
    changed = await captured.next("identity.portal_settings.changed")
    assert changed == {"sign_in_methods": ["magic_link", "password"], "portal_access_default": True}


async def test_turning_the_second_factor_on_and_off_is_announced(
    identity: Identity, captured: Capture
) -> None:
    firm = await identity.sign_up()
    as_owner = identity.as_(firm["token"])
    secret = (await as_owner.post("/api/v1/auth/totp")).body["secret"]
    assert (await as_owner.post("/api/v1/auth/totp/confirm", {"code": code(secret)})).status == 204
    person = (await as_owner.get("/api/v1/me")).body
    on = await captured.next("identity.second_factor.changed", lambda d: d["enabled"])
    assert on["staff_id"] == person["context"]["person_id"]
    wrong = await as_owner.call(
        "DELETE", "/api/v1/auth/totp", {"password": PASSWORD, "code": code(secret, 5)}
    )
    assert wrong.status == 403
    done = await as_owner.call(
        "DELETE", "/api/v1/auth/totp", {"password": PASSWORD, "code": code(secret, 1)}
    )
    assert done.status == 204
    await captured.next("identity.second_factor.changed", lambda d: not d["enabled"])
    assert len(captured.of("identity.second_factor.changed")) == 2  # not the refused attempt


async def test_making_and_revoking_a_secret_link_is_announced_without_the_link(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact, _ = await registered(identity, captured)
    await put_settings(identity, owner, sign_in_methods=["password", "secret_link"])
    as_owner = identity.as_(owner["token"])
    path = f"/api/v1/contacts/{contact['id']}/secret-link"
    url = (await as_owner.post(path)).body["url"]
    issued = await captured.next("identity.secret_link.issued")
    assert issued == {"contact_id": contact["id"]}
    assert url.split("#token=", 1)[1] not in str(captured.messages)
    assert (await as_owner.delete(path)).status == 204
    assert await captured.next("identity.secret_link.revoked") == {"contact_id": contact["id"]}
