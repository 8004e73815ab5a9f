"""Contacts: validation, portal access and invitations (now, scheduled, re-sent, expired),
registration, contacts' own view, magic links and password resets."""

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from services.identity.settings import IdentitySettings
from tests.identity.integration.conftest import (
    PASSWORD,
    Identity,
    StartIdentity,
    new_email,
    token_from,
)
from tests.support.capture import Capture


async def customer(identity: Identity, email: str | None = "") -> tuple[dict, dict, dict]:
    """A firm (its owner), a client and one contact linked to it."""
    owner = await identity.sign_up()
    person = {"first_name": "Cia", "last_name": "Kund", "primary": True}
    if email is not None:
        person["email"] = email or new_email("contact")
    answer = await identity.as_(owner["token"]).post(
        "/api/v1/clients", {"kind": "company", "name": "Kund AB", "contacts": [person]}
    )
    assert answer.status == 201, answer.body
    return owner, answer.body, answer.body["contacts"][0]


async def switch_on(identity: Identity, owner: dict, contact: dict, **extra: Any) -> dict:
    answer = await identity.as_(owner["token"]).put(
        f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": True} | extra
    )
    assert answer.status == 200, answer.body
    return answer.body


async def invitation_link(captured: Capture, contact: dict, seen: int = 0) -> str:
    def mine(d: dict) -> bool:
        return d["recipient_id"] == contact["id"]

    await captured.next("notify.send_invitation", mine)
    await asyncio.sleep(0)
    return [d for d in captured.of("notify.send_invitation") if mine(d)][seen]["link"]


async def registered(identity: Identity, captured: Capture) -> tuple[dict, dict, dict, dict]:
    owner, created, contact = await customer(identity)
    await switch_on(identity, owner, contact)
    link = await invitation_link(captured, contact)
    answer = await identity.post(
        "/api/v1/auth/register", {"token": token_from(link), "password": PASSWORD}
    )
    assert answer.status == 200, answer.body
    return owner, created, contact, answer.body


async def test_contact_fields_are_validated_and_unique_in_the_firm(identity: Identity) -> None:
    owner, _created, contact = await customer(identity)
    as_owner = identity.as_(owner["token"])
    base = {"first_name": "D", "last_name": "E"}
    cases = [
        ({"email": "x@"}, "email"),
        ({"phone": "+46 70"}, "phone"),
        ({"personal_number": "19811218-1234"}, "personal_number"),
        ({"language": "fr"}, "language"),
        ({"email": contact["email"].upper()}, "email"),
    ]
    for change, field in cases:
        answer = await as_owner.post("/api/v1/contacts", base | change)
        assert answer.status == 422, (change, answer.body)
        assert answer.body["field"] == field
    assert await identity.value("SELECT count(*) FROM contacts") == 1
    first = await as_owner.post("/api/v1/contacts", base | {"personal_number": "8112189876"})
    assert first.status == 201
    assert "personal_number" not in first.body
    stored = await identity.row(
        """SELECT personal_number, personal_number_sealed, personal_number_digest
           FROM contacts WHERE id = $1::uuid""",
        first.body["id"],
    )
    # At rest only sealed and as a keyed digest: the plain number is in no column.
    assert stored["personal_number"] is None
    assert b"198112189876" not in stored["personal_number_sealed"]
    assert stored["personal_number_digest"] != hashlib.sha256(b"198112189876").digest()
    twin = await as_owner.post("/api/v1/contacts", base | {"personal_number": "19811218-9876"})
    assert twin.status == 422
    assert twin.body["field"] == "personal_number"
    changed = await as_owner.patch(f"/api/v1/contacts/{contact['id']}", {"phone": "0701234567"})
    assert changed.body["phone"] == "+46701234567"


async def test_portal_access_needs_an_email(identity: Identity) -> None:
    owner, _, contact = await customer(identity, email=None)
    answer = await identity.as_(owner["token"]).put(
        f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": True}
    )
    assert answer.status == 422
    assert answer.body["field"] == "email"


async def test_invitation_registration_and_the_contacts_view(
    identity: Identity, captured: Capture
) -> None:
    owner, created, contact = await customer(identity)
    access = await switch_on(identity, owner, contact)
    assert access["status"] == "sent"
    link = await invitation_link(captured, contact)
    await captured.next(
        "identity.portal_access.granted", lambda d: d["contact_id"] == contact["id"]
    )
    assert all(
        link not in str(m["data"]) for m in captured.messages if m["type"].startswith("identity.")
    )
    token = token_from(link)
    weak = await identity.post("/api/v1/auth/register", {"token": token, "password": "short"})
    assert weak.status == 422
    done = await identity.post("/api/v1/auth/register", {"token": token, "password": PASSWORD})
    assert done.status == 200
    assert done.body["context"]["kind"] == "contact"
    assert done.body["context"]["client_id"] == created["id"]
    await captured.next("identity.contact.registered", lambda d: d["contact_id"] == contact["id"])
    status = await identity.as_(owner["token"]).get(
        f"/api/v1/contacts/{contact['id']}/portal-access"
    )
    assert status.body["status"] == "registered"
    as_contact = identity.as_(done.body["access_token"])
    me = await as_contact.get("/api/v1/me")
    assert me.body["memberships"][0]["clients"] == [
        {"client_id": created["id"], "name": "Kund AB", "roles": ["employee"], "primary": True}
    ]
    for path in ("/api/v1/clients", "/api/v1/staff", f"/api/v1/contacts/{contact['id']}"):
        assert (await as_contact.get(path)).status == 403, path
    replay = await identity.post("/api/v1/auth/register", {"token": token, "password": PASSWORD})
    unknown = await identity.post(
        "/api/v1/auth/register", {"token": "nope" * 10, "password": PASSWORD}
    )
    assert replay.status == unknown.status == 410
    assert replay.body == unknown.body


async def test_switching_access_off_revokes_sessions_at_once(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact, tokens = await registered(identity, captured)
    as_contact = identity.as_(tokens["access_token"])
    assert (await as_contact.get("/api/v1/me")).status == 200
    off = await identity.as_(owner["token"]).put(
        f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": False}
    )
    assert off.body["enabled"] is False
    assert (await as_contact.get("/api/v1/me")).status == 401
    refresh = {"refresh_token": tokens["refresh_token"]}
    assert (await identity.post("/api/v1/auth/refresh", refresh)).status == 401
    again = await identity.post(
        "/api/v1/auth/sign-in", {"email": contact["email"], "password": PASSWORD}
    )
    assert again.status == 403
    await captured.next(
        "identity.portal_access.revoked", lambda d: d["contact_id"] == contact["id"]
    )


async def test_scheduled_invitation_is_sent_by_the_job(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact = await customer(identity)
    when = datetime.now(UTC) + timedelta(seconds=1)
    access = await switch_on(identity, owner, contact, send_at=when.isoformat())
    assert access["status"] == "scheduled"
    assert captured.of("notify.send_invitation") == []
    await invitation_link(captured, contact)
    status = await identity.as_(owner["token"]).get(
        f"/api/v1/contacts/{contact['id']}/portal-access"
    )
    assert status.body["status"] == "sent"
    assert (
        len(
            [d for d in captured.of("notify.send_invitation") if d["recipient_id"] == contact["id"]]
        )
        == 1
    )


async def test_resend_replaces_the_link_and_expiry_is_enforced(
    identity: Identity, captured: Capture
) -> None:
    owner, _, contact = await customer(identity)
    await switch_on(identity, owner, contact)
    first = await invitation_link(captured, contact)
    resent = await identity.as_(owner["token"]).post(
        f"/api/v1/contacts/{contact['id']}/invitation", {}
    )
    assert resent.status == 200
    await wait_for_count(identity, contact, 2)
    second = await invitation_link(captured, contact, seen=1)
    old = await identity.post(
        "/api/v1/auth/register", {"token": token_from(first), "password": PASSWORD}
    )
    assert old.status == 410
    await identity.sql("UPDATE invitations SET expires_at = now() - interval '1 second'")
    status = await identity.as_(owner["token"]).get(
        f"/api/v1/contacts/{contact['id']}/portal-access"
    )
    assert status.body["status"] == "expired"
    late = await identity.post(
        "/api/v1/auth/register", {"token": token_from(second), "password": PASSWORD}
    )
    assert late.status == 410


async def wait_for_count(identity: Identity, contact: dict, count: int) -> None:
    def enough() -> bool:
        sent = [
            d
            for d in identity.captured.of("notify.send_invitation")
            if d["recipient_id"] == contact["id"]
        ]
        return len(sent) >= count

    await identity.until(enough)


async def test_inviting_someone_with_an_account_links_it_once_they_accept(
    identity: Identity, captured: Capture
) -> None:
    other_firm = await identity.sign_up()
    owner, created, contact = await customer(identity, email=other_firm["email"])
    access = await switch_on(identity, owner, contact)
    assert access["status"] == "sent"
    command = await captured.next(
        "notify.send_invitation", lambda d: d["recipient_id"] == contact["id"]
    )
    assert command["existing_account"] is True
    assert command["link"].startswith("http://127.0.0.1:8080/invitation#token=")
    sign_in = {"email": other_firm["email"], "password": PASSWORD, "firm_id": owner["firm"]["id"]}
    # Nothing is linked before the mailed link is opened.
    assert (await identity.post("/api/v1/auth/sign-in", sign_in)).status == 403
    token = token_from(command["link"])
    refused = await identity.post("/api/v1/auth/register", {"token": token, "password": PASSWORD})
    assert refused.status == 409
    accepted = await identity.post("/api/v1/auth/invitation/accept", {"token": token})
    assert accepted.status == 200, accepted.body
    assert accepted.body["context"]["client_id"] == created["id"]
    signed_in = await identity.post("/api/v1/auth/sign-in", sign_in)
    assert signed_in.status == 200
    assert signed_in.body["context"]["client_id"] == created["id"]
    shown = await identity.as_(owner["token"]).get(
        f"/api/v1/contacts/{contact['id']}/portal-access"
    )
    assert shown.body["status"] == "registered"


async def test_magic_link_is_single_use_and_expires(identity: Identity, captured: Capture) -> None:
    owner = await identity.sign_up()
    nobody = await identity.post("/api/v1/auth/magic-link", {"email": new_email()})
    asked = await identity.post("/api/v1/auth/magic-link", {"email": owner["email"]})
    assert nobody.status == asked.status == 202
    assert nobody.body == asked.body
    command = await captured.next("notify.send_magic_link")
    assert len(captured.of("notify.send_magic_link")) == 1
    token = token_from(command["link"])
    used = await identity.post("/api/v1/auth/magic-link/sign-in", {"token": token})
    assert used.status == 200
    assert used.body["context"]["firm_id"] == owner["firm"]["id"]
    again = await identity.post("/api/v1/auth/magic-link/sign-in", {"token": token})
    unknown = await identity.post("/api/v1/auth/magic-link/sign-in", {"token": "z" * 43})
    assert again.status == unknown.status == 410
    assert again.body == unknown.body
    await identity.post("/api/v1/auth/magic-link", {"email": owner["email"]})
    await wait_until_count(identity, "notify.send_magic_link", 2)
    await identity.sql("UPDATE one_time_tokens SET expires_at = now() - interval '1 second'")
    late = captured.of("notify.send_magic_link")[1]["link"]
    expired = await identity.post("/api/v1/auth/magic-link/sign-in", {"token": token_from(late)})
    assert expired.status == 410


async def wait_until_count(identity: Identity, type_: str, count: int) -> None:
    await identity.until(lambda: len(identity.captured.of(type_)) >= count)


async def test_password_reset_replaces_the_password_and_ends_sessions(
    identity: Identity, captured: Capture
) -> None:
    owner = await identity.sign_up()
    await identity.post("/api/v1/auth/password-reset", {"email": owner["email"]})
    command = await captured.next("notify.send_password_reset")
    new_password = "a completely different passphrase"
    reset = {"token": token_from(command["link"]), "password": new_password}
    assert (await identity.post("/api/v1/auth/password-reset/complete", reset)).status == 204
    assert (await identity.post("/api/v1/auth/password-reset/complete", reset)).status == 410
    assert (await identity.as_(owner["token"]).get("/api/v1/me")).status == 401
    old = await identity.post(
        "/api/v1/auth/sign-in", {"email": owner["email"], "password": PASSWORD}
    )
    new = await identity.post(
        "/api/v1/auth/sign-in", {"email": owner["email"], "password": new_password}
    )
    assert old.status == 401
    assert new.status == 200


async def test_an_invitation_link_tells_its_page_the_address_and_firm_without_being_used(
    identity: Identity, captured: Capture
) -> None:
    owner, _created, contact = await customer(identity)
    await switch_on(identity, owner, contact)
    token = token_from(await invitation_link(captured, contact))
    firm = await identity.as_(owner["token"]).get("/api/v1/firms/current")

    first = await identity.post("/api/v1/auth/invitation/details", {"token": token})
    again = await identity.post("/api/v1/auth/invitation/details", {"token": token})
    assert first.status == again.status == 200, first.body
    assert first.body == {
        "email": contact["email"], "firm_name": firm.body["name"], "language": "sv",
        "has_account": False,
    }  # fmt: skip
    done = await identity.post("/api/v1/auth/register", {"token": token, "password": PASSWORD})
    assert done.status == 200, done.body
    used = await identity.post("/api/v1/auth/invitation/details", {"token": token})
    unknown = await identity.post("/api/v1/auth/invitation/details", {"token": "nope" * 10})
    assert used.status == unknown.status == 410
    assert used.body == unknown.body
    assert used.body["field"] == "token"


async def test_an_invitation_to_an_address_that_was_changed_since_tells_nothing(
    identity: Identity, captured: Capture
) -> None:
    owner, _created, contact = await customer(identity)
    await switch_on(identity, owner, contact)
    token = token_from(await invitation_link(captured, contact))
    changed = await identity.as_(owner["token"]).patch(
        f"/api/v1/contacts/{contact['id']}", {"email": new_email("elsewhere")}
    )
    assert changed.status == 200, changed.body
    answer = await identity.post("/api/v1/auth/invitation/details", {"token": token})
    assert answer.status == 410, answer.body


async def test_a_person_chooses_their_language_and_the_other_services_are_told(
    identity: Identity, captured: Capture
) -> None:
    owner, _created, contact, tokens = await registered(identity, captured)
    as_contact, as_owner = identity.as_(tokens["access_token"]), identity.as_(owner["token"])
    assert (await as_contact.get("/api/v1/me")).body["language"] == "sv"

    chosen = await as_contact.put("/api/v1/me/language", {"language": "de"})
    refused = await as_contact.put("/api/v1/me/language", {"language": "fr"})
    staff = await as_owner.put("/api/v1/me/language", {"language": "es"})

    assert chosen.status == 200, chosen.body
    assert chosen.body["language"] == "de"
    assert refused.status == 422
    assert refused.body["field"] == "language"
    assert (await as_owner.get(f"/api/v1/contacts/{contact['id']}")).body["language"] == "de"
    await captured.next(
        "identity.contact.updated",
        lambda d: d["contact_id"] == contact["id"] and d["language"] == "de",
    )
    assert staff.body["language"] == "es"
    await captured.next("identity.staff.updated", lambda d: d["language"] == "es")


async def test_a_number_stored_plain_before_sealing_is_sealed_at_start(
    identity: Identity, start_identity: StartIdentity, settings: IdentitySettings
) -> None:
    """Rows written before migration 0005 held the plain number; identity seals them at start."""
    owner, _created, _contact = await customer(identity)
    made = await identity.as_(owner["token"]).post(
        "/api/v1/contacts", {"first_name": "D", "last_name": "E", "personal_number": "8112189876"}
    )
    query = """SELECT personal_number, personal_number_sealed, personal_number_digest
               FROM contacts WHERE id = $1::uuid"""
    sealed = await identity.row(query, made.body["id"])
    await identity.sql(
        """UPDATE contacts SET personal_number = '198112189876', personal_number_sealed = NULL,
                  personal_number_digest = NULL WHERE id = $1::uuid""",
        made.body["id"],
    )
    async with start_identity(settings) as restarted:
        stored = await restarted.row(query, made.body["id"])
    assert stored["personal_number"] is None
    assert stored["personal_number_digest"] == sealed["personal_number_digest"]
    assert stored["personal_number_sealed"] is not None
