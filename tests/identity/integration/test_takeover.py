"""An attacker's tests, through the public API: the staff of one firm must never reach another
firm's accounts, and every way into a staff context asks for its second factor.

Each test plays the review's finding: a firm types a victim's email (or a number it knows) on
a contact of its own and tries to make the platform attach that contact to the victim's
account, then switch into the victim's own firm."""

from typing import Any

from services.identity.settings import IdentitySettings
from tests.identity.integration.conftest import (
    FAST,
    PASSWORD,
    Identity,
    StartIdentity,
    new_email,
    token_from,
)
from tests.identity.integration.test_portal_settings import put_settings
from tests.identity.integration.test_totp import code
from tests.support.capture import Capture

NUMBER = "19811218-9876"


async def victim_and_attacker(identity: Identity) -> tuple[dict, dict]:
    """The victim owns a firm; the attacker owns another."""
    return await identity.sign_up(name="Victim AB"), await identity.sign_up(name="Attacker AB")


async def planted_contact(identity: Identity, attacker: dict, **person: Any) -> dict:
    """A client of the attacker's firm whose contact carries what the attacker typed."""
    answer = await identity.as_(attacker["token"]).post(
        "/api/v1/clients",
        {"kind": "individual", "name": "Planted", "contacts": [
            {"first_name": "Plant", "last_name": "Ed", "primary": True} | person
        ]},
    )  # fmt: skip
    assert answer.status == 201, answer.body
    contact = answer.body["contacts"][0]
    access = await identity.as_(attacker["token"]).put(
        f"/api/v1/contacts/{contact['id']}/portal-access", {"enabled": True}
    )
    assert access.status == 200, access.body
    return contact


async def assert_confined(identity: Identity, tokens: dict, victim: dict) -> None:
    """The session reaches nothing of the victim's: no account, no switching, no credentials."""
    session = identity.as_(tokens["access_token"])
    me = await session.get("/api/v1/me")
    assert me.body["account_id"] is None
    assert me.body["email"] is None
    assert {m["firm_id"] for m in me.body["memberships"]} == {tokens["context"]["firm_id"]}
    into_victim = await session.post("/api/v1/auth/switch", {"firm_id": victim["firm"]["id"]})
    assert into_victim.status == 403
    change = {"current_password": "whatever it may be", "new_password": "an attacker's new one"}
    assert (await session.put("/api/v1/me/password", change)).status == 403


async def test_a_secret_link_for_a_contact_with_the_victims_email_reaches_only_that_contact(
    identity: Identity,
) -> None:
    victim, attacker = await victim_and_attacker(identity)
    await put_settings(identity, attacker, sign_in_methods=["password", "secret_link"])
    contact = await planted_contact(identity, attacker, email=victim["email"])
    made = await identity.as_(attacker["token"]).post(
        f"/api/v1/contacts/{contact['id']}/secret-link"
    )
    signed_in = await identity.post(
        "/api/v1/auth/secret-link/sign-in", {"token": token_from(made.body["url"])}
    )
    assert signed_in.status == 200
    await assert_confined(identity, signed_in.body, victim)
    # The victim's own sign-in does not see the planted contact either.
    own = await identity.post(
        "/api/v1/auth/sign-in", {"email": victim["email"], "password": PASSWORD}
    )
    me = await identity.as_(own.body["access_token"]).get("/api/v1/me")
    assert [m["firm_name"] for m in me.body["memberships"]] == ["Victim AB"]


async def test_an_invitation_to_the_victims_email_links_nothing_until_they_open_it(
    identity: Identity, captured: Capture
) -> None:
    victim, attacker = await victim_and_attacker(identity)
    contact = await planted_contact(identity, attacker, email=victim["email"])
    await captured.next("notify.send_invitation", lambda d: d["recipient_id"] == contact["id"])
    own = await identity.post(
        "/api/v1/auth/sign-in", {"email": victim["email"], "password": PASSWORD}
    )
    me = await identity.as_(own.body["access_token"]).get("/api/v1/me")
    assert [m["firm_name"] for m in me.body["memberships"]] == ["Victim AB"]
    shown = await identity.as_(attacker["token"]).get(
        f"/api/v1/contacts/{contact['id']}/portal-access"
    )
    assert shown.body["status"] == "sent"


async def test_an_invitation_link_dies_when_the_firm_points_the_contact_elsewhere(
    identity: Identity, captured: Capture
) -> None:
    victim, attacker = await victim_and_attacker(identity)
    mailbox = new_email("attacker")
    contact = await planted_contact(identity, attacker, email=mailbox)
    sent = await captured.next(
        "notify.send_invitation", lambda d: d["recipient_id"] == contact["id"]
    )
    # The link reached the attacker's own mailbox; now the contact is given the victim's email.
    moved = await identity.as_(attacker["token"]).patch(
        f"/api/v1/contacts/{contact['id']}", {"email": victim["email"]}
    )
    assert moved.status == 200
    token = token_from(sent["link"])
    for path, body in (
        ("/api/v1/auth/invitation/accept", {"token": token}),
        ("/api/v1/auth/register", {"token": token, "password": "attacker's passphrase here"}),
    ):
        answer = await identity.post(path, body)
        assert answer.status == 410, (path, answer.body)
    own = await identity.post(
        "/api/v1/auth/sign-in", {"email": victim["email"], "password": PASSWORD}
    )
    assert own.status == 200


async def test_eid_never_finds_an_account_by_a_firm_typed_email(identity: Identity) -> None:
    victim, attacker = await victim_and_attacker(identity)
    await identity.allow_eid(attacker["token"])
    # The attacker knows their own personal number and types it beside the victim's email.
    await planted_contact(identity, attacker, email=victim["email"], personal_number=NUMBER)
    order = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
    ref = {"order_ref": order.body["order_ref"]}

    collected: dict[str, Any] = {}

    async def settled() -> bool:
        answer = await identity.post("/api/v1/auth/eid/collect", ref)
        collected.update(answer.body if answer.status == 200 else {"status": answer.status})
        return collected["status"] != "pending"

    await identity.until(settled)
    assert collected["status"] == "complete", collected
    await assert_confined(identity, collected["tokens"], victim)


async def test_eid_start_answers_alike_for_known_and_unknown_numbers(identity: Identity) -> None:
    _victim, attacker = await victim_and_attacker(identity)
    await identity.allow_eid(attacker["token"])
    await planted_contact(identity, attacker, email=new_email(), personal_number=NUMBER)
    known = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
    unknown = await identity.post("/api/v1/auth/eid/start", {"personal_number": "19900101-0017"})
    assert known.status == unknown.status == 201
    assert set(known.body) == set(unknown.body) == {"order_ref", "auto_start_token"}


async def test_eid_stays_off_without_a_provider(start_identity: StartIdentity, env) -> None:
    settings = await env.settings(IdentitySettings, **FAST, eid_provider="none")
    async with start_identity(settings) as identity:
        owner = await identity.sign_up()
        methods = {"sign_in_methods": ["password", "eid"]}
        refused = await identity.as_(owner["token"]).put(
            "/api/v1/firms/current/portal-settings", methods
        )
        assert refused.status == 409
        assert refused.body["field"] == "sign_in_methods"
        started = await identity.post("/api/v1/auth/eid/start", {"personal_number": NUMBER})
        assert started.status == 409


async def totp_on(identity: Identity, owner: dict) -> str:
    as_owner = identity.as_(owner["token"])
    secret = (await as_owner.post("/api/v1/auth/totp")).body["secret"]
    confirmed = await as_owner.post("/api/v1/auth/totp/confirm", {"code": code(secret)})
    assert confirmed.status == 204
    return secret


async def test_a_magic_link_into_a_staff_context_with_totp_asks_for_the_code(
    identity: Identity, captured: Capture
) -> None:
    owner = await identity.sign_up()
    secret = await totp_on(identity, owner)
    await identity.post("/api/v1/auth/magic-link", {"email": owner["email"]})
    sent = await captured.next("notify.send_magic_link", lambda d: d["email"] == owner["email"])
    waiting = await identity.post(
        "/api/v1/auth/magic-link/sign-in", {"token": token_from(sent["link"])}
    )
    assert waiting.status == 401
    assert waiting.body["field"] == "totp"
    challenge = waiting.body["challenge"]
    wrong = await identity.post(
        "/api/v1/auth/totp/verify", {"challenge": challenge, "code": "000000"}
    )
    assert wrong.status == 401
    right = await identity.post(
        "/api/v1/auth/totp/verify", {"challenge": challenge, "code": code(secret, ahead=1)}
    )
    assert right.status == 200, right.body
    assert right.body["context"]["role"] == "owner"
    again = await identity.post(
        "/api/v1/auth/totp/verify", {"challenge": challenge, "code": code(secret, ahead=2)}
    )
    assert again.status == 410


async def test_a_challenge_dies_after_a_few_wrong_codes(identity: Identity) -> None:
    owner = await identity.sign_up()
    secret = await totp_on(identity, owner)
    plain = {"email": owner["email"], "password": PASSWORD}
    challenge = (await identity.post("/api/v1/auth/sign-in", plain)).body["challenge"]
    for _ in range(5):
        guess = {"challenge": challenge, "code": "123456"}
        assert (await identity.post("/api/v1/auth/totp/verify", guess)).status == 401
    late = {"challenge": challenge, "code": code(secret, ahead=1)}
    assert (await identity.post("/api/v1/auth/totp/verify", late)).status == 410


async def test_switching_into_a_staff_membership_with_totp_needs_the_code(
    identity: Identity, captured: Capture
) -> None:
    first, second = (
        await identity.sign_up(name="First AB"),
        await identity.sign_up(name="Second AB"),
    )
    secret = await totp_on(identity, second)
    # The second firm's owner is also a customer of the first, signed in there as a contact.
    contact = await planted_contact(identity, first, email=second["email"])
    sent = await captured.next(
        "notify.send_invitation", lambda d: d["recipient_id"] == contact["id"]
    )
    accepted = await identity.post(
        "/api/v1/auth/invitation/accept", {"token": token_from(sent["link"])}
    )
    assert accepted.status == 200, accepted.body
    assert accepted.body["context"]["kind"] == "contact"
    as_contact = identity.as_(accepted.body["access_token"])
    into_staff = {"firm_id": second["firm"]["id"]}
    refused = await as_contact.post("/api/v1/auth/switch", into_staff)
    assert refused.status == 401
    assert refused.body["field"] == "totp"
    switched = await as_contact.post(
        "/api/v1/auth/switch", into_staff | {"totp": code(secret, ahead=1)}
    )
    assert switched.status == 200, switched.body
    assert switched.body["context"]["role"] == "owner"


async def test_signing_up_with_someones_email_tells_nothing_and_creates_nothing(
    identity: Identity, captured: Capture
) -> None:
    victim = await identity.sign_up()
    firms_before = await identity.value("SELECT count(*) FROM firms")
    form = {"name": "Imposter AB", "country": "SE", "plan": "bureau", "owner_name": "I"}
    taken = await identity.post("/api/v1/firms", form | {"owner_email": victim["email"]})
    fresh = await identity.post("/api/v1/firms", form | {"owner_email": new_email()})
    assert taken.status == fresh.status == 202
    assert taken.body == fresh.body
    assert await identity.value("SELECT count(*) FROM firms") == firms_before
    # Only the mailbox's owner gets the link, and even they confirm with the account's password.
    mail = await captured.next(
        "notify.send_sign_up_link", lambda d: d["firm_name"] == "Imposter AB"
    )
    assert mail["existing_account"] is True
    token = token_from(mail["link"])
    guess = await identity.post(
        "/api/v1/firms/confirm", {"token": token, "password": "a guess " * 3}
    )
    assert guess.status == 403
    # The mailbox's owner still confirms with their own password.
    own = await identity.post("/api/v1/firms/confirm", {"token": token, "password": PASSWORD})
    assert own.status == 201, own.body
    assert own.body["firm"]["name"] == "Imposter AB"


async def test_a_stranger_cannot_lock_an_account_out(start_identity: StartIdentity, env) -> None:
    settings = await env.settings(IdentitySettings, **FAST, trusted_proxies=["127.0.0.1/32"])

    async def sign_in(running, body: dict, caller: str) -> int:  # type: ignore[no-untyped-def]
        headers = {"X-Real-IP": caller}
        async with running.http.post("/api/v1/auth/sign-in", json=body, headers=headers) as r:
            return r.status

    async with start_identity(settings) as running:
        owner = await running.sign_up()
        wrong = {"email": owner["email"], "password": "not the password at all"}
        statuses = [await sign_in(running, wrong, "203.0.113.9") for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        right = {"email": owner["email"], "password": PASSWORD}
        assert await sign_in(running, right, "198.51.100.7") == 200


async def test_mail_sending_endpoints_are_limited_per_target_across_replicas(
    start_identity: StartIdentity, env
) -> None:
    settings = await env.settings(IdentitySettings, **(FAST | {"mail_per_target": 2}))
    async with start_identity(settings) as first, start_identity(settings) as second:
        email = {"email": new_email()}
        answers = [
            await first.post("/api/v1/auth/magic-link", email),
            await second.post("/api/v1/auth/password-reset", email),
            await first.post("/api/v1/auth/magic-link", email),
        ]
    assert [a.status for a in answers] == [202, 202, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    assert answers[2].headers["Content-Type"].startswith("application/problem+json")


async def test_eid_start_is_limited_per_number(start_identity: StartIdentity, env) -> None:
    settings = await env.settings(IdentitySettings, **(FAST | {"eid_per_number": 1}))
    async with start_identity(settings) as identity:
        body = {"personal_number": NUMBER}
        assert (await identity.post("/api/v1/auth/eid/start", body)).status == 201
        assert (await identity.post("/api/v1/auth/eid/start", body)).status == 429


async def test_a_session_ends_at_its_absolute_lifetime(identity: Identity) -> None:
    owner = await identity.sign_up()
    refresh = owner["tokens"]["refresh_token"]
    await identity.sql("UPDATE sessions SET expires_at = now() - interval '1 second'")
    assert (await identity.as_(owner["token"]).get("/api/v1/me")).status == 401
    renewed = await identity.post("/api/v1/auth/refresh", {"refresh_token": refresh})
    assert renewed.status == 401


async def test_a_password_is_rehashed_when_the_argon2_parameters_change(
    start_identity: StartIdentity, env
) -> None:
    weak = await env.settings(IdentitySettings, **FAST)
    async with start_identity(weak) as running:
        owner = await running.sign_up()
        before = await running.value("SELECT password_hash FROM accounts")
    stronger = weak.model_copy(update={"argon2_time_cost": 2})
    async with start_identity(stronger) as running:
        body = {"email": owner["email"], "password": PASSWORD}
        assert (await running.post("/api/v1/auth/sign-in", body)).status == 200
        after = await running.value("SELECT password_hash FROM accounts")
    assert "t=1" in before
    assert "t=2" in after


async def test_an_account_accepts_an_invitation_to_its_own_address_from_inside(
    identity: Identity, captured: Capture
) -> None:
    person, bureau = await identity.sign_up(name="Own AB"), await identity.sign_up(name="Bureau AB")
    contact = await planted_contact(identity, bureau, email=person["email"])
    await captured.next("notify.send_invitation", lambda d: d["recipient_id"] == contact["id"])
    as_person = identity.as_(person["token"])
    pending = (await as_person.get("/api/v1/me/invitations")).body["items"]
    assert [(p["firm_name"], p["kind"]) for p in pending] == [("Bureau AB", "contact")]
    # Someone else's session cannot take it, whatever id it names.
    stranger = await identity.sign_up(name="Stranger AB")
    path = f"/api/v1/me/invitations/{pending[0]['id']}/accept"
    assert (await identity.as_(stranger["token"]).post(path, {})).status == 410
    accepted = await as_person.post(path, {})
    assert accepted.status == 200, accepted.body
    assert accepted.body["context"]["person_id"] == contact["id"]
    assert (await as_person.get("/api/v1/me/invitations")).body["items"] == []


async def test_sessions_of_a_secret_link_end_when_the_link_is_replaced_or_revoked(
    identity: Identity,
) -> None:
    firm = await identity.sign_up()
    await put_settings(identity, firm, sign_in_methods=["password", "secret_link"])
    contact = await planted_contact(identity, firm, email=new_email())
    path = f"/api/v1/contacts/{contact['id']}/secret-link"

    async def session_of_a_new_link() -> str:
        made = await identity.as_(firm["token"]).post(path)
        body = {"token": token_from(made.body["url"])}
        return (await identity.post("/api/v1/auth/secret-link/sign-in", body)).body["access_token"]

    first = await session_of_a_new_link()
    second = await session_of_a_new_link()
    assert (await identity.as_(first).get("/api/v1/me")).status == 401
    assert (await identity.as_(second).get("/api/v1/me")).status == 200
    assert (await identity.as_(firm["token"]).delete(path)).status == 204
    assert (await identity.as_(second).get("/api/v1/me")).status == 401
