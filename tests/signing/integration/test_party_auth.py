"""Methods: an emailed code (10 minutes, 5 tries) or eID with the party's own personal number."""

import hashlib
import uuid

from services.signing.eid import EID
from tests.signing.integration.conftest import World, party
from tests.signing.integration.helpers import act, otp_session


async def invited(world: World, **extra: str) -> str:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff(firm)
    created = await world.create(owner, await world.pdf(firm, client), [
        party("P", "p@example.se", **extra),
    ])  # fmt: skip
    await world.send(owner, created["id"])
    return await world.invitation("p@example.se")


async def test_email_otp_needs_the_code_and_five_wrong_tries_void_it(world: World) -> None:
    token = await invited(world, method="email_otp")
    await act(world, token, expect=403)
    assert (await world.http.post(f"/api/v1/sign/{token}/code")).status == 201
    code = await world.code("p@example.se")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [
        (await world.http.post(f"/api/v1/sign/{token}/code/verify", json={"code": wrong})).status
        for _ in range(5)
    ]
    late = await world.http.post(f"/api/v1/sign/{token}/code/verify", json={"code": code})
    too_soon = await world.http.post(f"/api/v1/sign/{token}/code")

    assert answers == [422, 422, 422, 422, 429]
    assert late.status == 429
    assert too_soon.status == 429
    assert "code" not in str(world.captured.of("signing.party.viewed"))


async def test_email_otp_signs_with_the_session_and_not_without(world: World) -> None:
    token = await invited(world, method="email_otp")
    session = await otp_session(world, token, "p@example.se")
    await act(world, token, session="forged-session", expect=403)
    done = await act(world, token, session=session)
    assert done["request_state"] == "completed"


async def test_the_stored_code_cannot_be_found_by_trying_every_code(world: World) -> None:
    """A million candidates: a plain hash of the code would be reversed in a second."""
    token = await invited(world, method="email_otp")
    assert (await world.http.post(f"/api/v1/sign/{token}/code")).status == 201
    code = await world.code("p@example.se")
    (row,) = await world.sql("SELECT id, otp_hash FROM parties")
    salt, stored = row["id"].bytes, row["otp_hash"]

    def reverse() -> list[str]:
        candidates = (f"{n:06d}".encode() for n in range(10**6))
        return [
            c.decode() for c in candidates
            if stored in (hashlib.sha256(salt + c).digest(), hashlib.sha256(c).digest())
        ]  # fmt: skip

    assert reverse() == []
    verified = await world.http.post(f"/api/v1/sign/{token}/code/verify", json={"code": code})
    assert verified.status == 200


async def test_eid_must_prove_the_partys_own_personal_number(world: World) -> None:
    token = await invited(world, method="eid", personal_number="19800101-1234")
    provider = world.signing.app[EID]

    async def attempt(number: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        started = await (await world.http.post(f"/api/v1/sign/{token}/eid")).json()
        pending = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=started)
        assert (await pending.json())["status"] == "pending"
        provider.confirm(started["order_ref"], number, "Test Person")
        collected = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=started)
        return collected.status, await collected.json()

    stranger, _ = await attempt("199001011234")
    status, body = await attempt("198001011234")
    done = await act(world, token, session=body["session"]["session"])

    assert stranger == 403
    assert status == 200
    assert done["request_state"] == "completed"
