"""Methods: an emailed code (10 minutes, 5 tries) or eID with the party's own personal number."""

import hashlib
import uuid

from services.signing.app import create_app
from services.signing.settings import SigningSettings
from shared.http.problems import PROBLEM
from shared.service import SETTINGS
from tests.signing.integration.conftest import World, party
from tests.signing.integration.helpers import act, otp_session
from tests.support.bankid import BankIdServer
from tests.support.infra import wait_until
from tests.support.services import serve


async def invited(world: World, **extra: str) -> str:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
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


async def test_eid_must_prove_the_partys_own_personal_number(
    bankid_world: World, bankid: BankIdServer
) -> None:
    # BankID itself holds an order to its required person; its stand-in can vouch for another,
    # which signing must refuse all the same.
    world = bankid_world
    token = await invited(world, method="eid", personal_number="19800101-1234")

    async def attempt(number: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        started = await (await world.http.post(f"/api/v1/sign/{token}/eid")).json()
        pending = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=started)
        assert (await pending.json())["status"] == "pending"
        bankid.complete(started["order_ref"], number, "Test Person")
        collected = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=started)
        return collected.status, await collected.json()

    stranger, _ = await attempt("199001011234")
    status, body = await attempt("198001011234")
    done = await act(world, token, session=body["session"]["session"])

    assert stranger == 403
    assert status == 200
    assert done["request_state"] == "completed"


async def test_eid_with_the_local_provider_confirms_the_party_on_any_replica(
    local_eid_world: World,
) -> None:
    world = local_eid_world
    token = await invited(world, method="eid", personal_number="19800101-1234")
    settings = world.signing.app[SETTINGS]
    assert isinstance(settings, SigningSettings)
    async with serve(create_app(settings)) as other:
        started = await (await world.http.post(f"/api/v1/sign/{token}/eid")).json()
        collect = f"/api/v1/sign/{token}/eid/collect"
        pending = await (await other.http.post(collect, json=started)).json()

        async def confirmed() -> bool:
            answer = await (await other.http.post(collect, json=started)).json()
            return bool(answer["status"] == "complete" and answer["session"])

        await wait_until(confirmed)
        used = await world.http.post(collect, json=started)
    assert pending["status"] == "pending"
    assert used.status == 404  # the order opened one session, once


async def test_eid_requires_the_party_and_a_restart_replaces_the_open_order(
    bankid_world: World, bankid: BankIdServer
) -> None:
    world = bankid_world
    token = await invited(world, method="eid", personal_number="19800101-1234")
    first = await (await world.http.post(f"/api/v1/sign/{token}/eid")).json()
    required = bankid.orders[first["order_ref"]].personal_number
    restarted = await world.http.post(f"/api/v1/sign/{token}/eid")
    second = await restarted.json()
    stale = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=first)
    bankid.fail(second["order_ref"], "userCancel")
    cancelled = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=second)

    assert required == "198001011234"
    assert restarted.status == 201
    assert first["order_ref"] not in bankid.orders
    assert stale.status == 404
    assert cancelled.status == 403
    await act(world, token, expect=403)


async def test_eid_while_bankid_is_down_is_a_503_problem(
    bankid_world: World, bankid: BankIdServer
) -> None:
    token = await invited(bankid_world, method="eid", personal_number="19800101-1234")
    bankid.fault = 503
    started = await bankid_world.http.post(f"/api/v1/sign/{token}/eid")
    assert started.status == 503
    assert started.content_type == PROBLEM
    bankid.fault = None
    assert (await bankid_world.http.post(f"/api/v1/sign/{token}/eid")).status == 201
