"""What identity tells the firm's audit log: each sign-in (how, and from which address, as the
trusted gateway saw it) and each change of the portal settings, as events on the bus."""

from tests.identity.integration.conftest import PASSWORD, Identity
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
