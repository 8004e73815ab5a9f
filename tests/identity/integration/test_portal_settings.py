"""Firm portal settings: allowed sign-in methods, portal access by default (and for everyone
existing), personal secret links (off by default, shown once, rotatable, revocable, logged)
and each contact's portal URL."""

import hashlib
from urllib.parse import parse_qs, urlparse

from tests.identity.integration.conftest import (
    PASSWORD,
    Identity,
    new_email,
    token_from,
)
from tests.identity.integration.test_portal import registered
from tests.support.capture import Capture


async def put_settings(identity: Identity, owner: dict, **body) -> dict:  # type: ignore[no-untyped-def]
    answer = await identity.as_(owner["token"]).put("/api/v1/firms/current/portal-settings", body)
    assert answer.status == 200, answer.body
    return answer.body


async def test_secret_links_are_opt_in_rotatable_revocable_and_logged(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact, _ = await registered(identity, captured)
    as_owner = identity.as_(owner["token"])
    path = f"/api/v1/contacts/{contact['id']}/secret-link"
    assert (await as_owner.post(path)).status == 409
    await put_settings(identity, owner, sign_in_methods=["password", "secret_link"])
    first = token_from((await as_owner.post(path)).body["url"])
    signed_in = await identity.post("/api/v1/auth/secret-link/sign-in", {"token": first})
    assert signed_in.status == 200
    assert signed_in.body["context"]["person_id"] == contact["id"]
    assert await identity.value("SELECT count(*) FROM secret_link_uses") == 1
    stored = await identity.value("SELECT token_hash FROM secret_links")
    assert stored == hashlib.sha256(first.encode()).digest()
    second = token_from((await as_owner.post(path)).body["url"])
    assert (await identity.post("/api/v1/auth/secret-link/sign-in", {"token": first})).status == 410
    assert (
        await identity.post("/api/v1/auth/secret-link/sign-in", {"token": second})
    ).status == 200
    assert (await as_owner.delete(path)).status == 204
    assert (
        await identity.post("/api/v1/auth/secret-link/sign-in", {"token": second})
    ).status == 410


async def test_a_method_the_firm_turned_off_does_not_reach_it(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact, _ = await registered(identity, captured)
    by_password = {"email": contact["email"], "password": PASSWORD}
    assert (await identity.post("/api/v1/auth/sign-in", by_password)).status == 200
    settings = await put_settings(identity, owner, sign_in_methods=["magic_link"])
    assert settings["sign_in_methods"] == ["magic_link"]
    assert (await identity.post("/api/v1/auth/sign-in", by_password)).status == 403
    staff = {"email": owner["email"], "password": PASSWORD}
    assert (await identity.post("/api/v1/auth/sign-in", staff)).status == 200


async def test_portal_access_by_default_and_for_everyone_existing(
    identity: Identity, captured: Capture
) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    before = (await as_owner.post("/api/v1/clients", {
        "kind": "company", "name": "Före AB",
        "contacts": [{"first_name": "F", "last_name": "F", "email": new_email()}],
    })).body["contacts"][0]  # fmt: skip
    settings = await put_settings(
        identity, owner, sign_in_methods=["password"], portal_access_default=True,
        enable_for_existing=True,
    )  # fmt: skip
    assert [(r["contact_id"], r["ok"]) for r in settings["enabled"]] == [(before["id"], True)]
    after = (await as_owner.post("/api/v1/clients", {
        "kind": "company", "name": "Efter AB",
        "contacts": [{"first_name": "E", "last_name": "E", "email": new_email()}],
    })).body["contacts"][0]  # fmt: skip
    assert after["portal_access"] is True
    for contact in (before, after):
        await captured.next(
            "notify.send_invitation", lambda d, c=contact: d["recipient_id"] == c["id"]
        )
    shown = await as_owner.get("/api/v1/firms/current/portal-settings")
    assert shown.body == {"sign_in_methods": ["password"], "portal_access_default": True}


async def test_portal_url_and_who_may_change_settings(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact, tokens = await registered(identity, captured)
    url = await identity.as_(owner["token"]).get(f"/api/v1/contacts/{contact['id']}/portal-url")
    assert parse_qs(urlparse(url.body["url"]).query) == {"email": [contact["email"]]}
    as_contact = identity.as_(tokens["access_token"])
    refused = await as_contact.put(
        "/api/v1/firms/current/portal-settings", {"sign_in_methods": ["password"]}
    )
    assert refused.status == 403
    bad = await identity.as_(owner["token"]).put(
        "/api/v1/firms/current/portal-settings", {"sign_in_methods": ["carrier_pigeon"]}
    )
    assert bad.status == 422
    assert bad.body["field"] == "sign_in_methods.0"
