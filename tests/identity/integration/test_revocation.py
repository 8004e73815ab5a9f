"""What identity publishes and answers for revocation everywhere at once (shared/revocation.py):
a `identity.session.revoked` per ended session (the token's `sid`), `identity.tokens.revoked`
for a person's every token at a firm, no secrets in either, and `ListRevocations` answered
from its database for a replica catching up. The services' side is in
tests/e2e/test_revocation.py."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from shared.bus import Bus, BusNames, RpcClient
from shared.events.identity import ListRevocations, Revocations
from tests.identity.integration.conftest import PASSWORD, Identity
from tests.identity.integration.test_staff import join
from tests.support.capture import Capture


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def of_session(token: str) -> Any:
    return lambda data: data["session_id"] == claims(token)["sid"]


async def catch_up(identity: Identity, since: datetime) -> Revocations:
    """Ask identity's request queue as a replica of another service does when it starts."""
    bus = Bus(identity.settings.amqp_url, BusNames(identity.settings.bus_namespace), name="peer")
    rpc = RpcClient(bus)
    await bus.start()
    try:
        request = ListRevocations(idempotency_key=str(uuid.uuid4()), since=since)
        reply = await rpc.call(request, firm_id=None, actor=None)
        assert isinstance(reply, Revocations)
        return reply
    finally:
        await bus.stop()


async def test_a_sign_out_is_published_without_secrets_and_answered_to_a_catch_up(
    identity: Identity, captured: Capture
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    firm = await identity.sign_up()
    token = firm["token"]
    assert (await identity.as_(token).post("/api/v1/auth/sign-out")).status == 204
    event = await captured.next("identity.session.revoked", of_session(token))
    assert event["person_id"] == claims(token)["sub"]
    envelope = next(m for m in captured.messages if m["data"] is event)
    assert envelope["firm_id"] == claims(token)["firm_id"]
    published = str(event)
    assert token not in published
    assert firm["tokens"]["refresh_token"] not in published
    assert claims(token)["jti"] not in published

    answered = await catch_up(identity, before)
    assert claims(token)["sid"] in {str(s.session_id) for s in answered.sessions}
    later = await catch_up(identity, datetime.now(UTC) + timedelta(seconds=5))
    assert claims(token)["sid"] not in {str(s.session_id) for s in later.sessions}


async def test_a_password_change_announces_the_other_sessions_only(
    identity: Identity, captured: Capture
) -> None:
    firm = await identity.sign_up()
    other = await identity.post(
        "/api/v1/auth/sign-in", {"email": firm["email"], "password": PASSWORD}
    )
    change = {"current_password": PASSWORD, "new_password": "a brand new long passphrase"}
    assert (await identity.as_(firm["token"]).put("/api/v1/me/password", change)).status == 204
    await captured.next("identity.session.revoked", of_session(other.body["access_token"]))
    await identity.all_published()
    assert not [e for e in captured.of("identity.session.revoked") if of_session(firm["token"])(e)]


async def test_a_removed_staff_member_has_every_token_revoked_up_to_then(
    identity: Identity, captured: Capture
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    owner = await identity.sign_up()
    member = await join(identity, captured, owner)
    staff_id = claims(member)["sub"]
    answer = await identity.as_(owner["token"]).post(f"/api/v1/staff/{staff_id}/deactivate")
    assert answer.status == 200, answer.body
    revoked = await captured.next("identity.tokens.revoked", lambda d: d["person_id"] == staff_id)
    assert datetime.fromisoformat(revoked["issued_before"]).timestamp() >= claims(member)["iat"]
    await captured.next("identity.session.revoked", of_session(member))
    answered = await catch_up(identity, before)
    assert [(str(t.firm_id), str(t.person_id)) for t in answered.tokens] == [
        (owner["firm"]["id"], staff_id)
    ]
    assert (await identity.as_(member).get("/api/v1/me")).status == 401
