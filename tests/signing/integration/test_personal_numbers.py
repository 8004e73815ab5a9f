"""A party's personal number is sealed at rest: no table, answer, message or log line holds it,
eID still checks it, and a number an older replica wrote in plain is sealed by the next replica
that starts. Real PostgreSQL, RabbitMQ, S3."""

import json
import logging
import uuid
from typing import Any

import pytest

from services.signing.app import create_app as signing_app
from shared.service import SETTINGS
from tests.signing.integration.conftest import World, party
from tests.signing.integration.helpers import act
from tests.support.bankid import BankIdServer
from tests.support.services import serve

TYPED, NUMBER = "19800101-1234", "198001011234"


async def _eid_signing(world: World) -> tuple[dict[str, str], dict[str, Any], str]:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), [
        party("E", "e@example.se", method="eid", personal_number=TYPED),
        party("V", "v@example.se", role="viewer"),
    ])  # fmt: skip
    await world.send(owner, created["id"])
    return owner, created, await world.invitation("e@example.se")


async def _eid_session(world: World, bankid: BankIdServer, token: str) -> tuple[int, list[Any]]:
    """Authenticate by eID (BankID's stand-in) as the holder of NUMBER; the status and every
    answer's body."""
    started = await world.http.post(f"/api/v1/sign/{token}/eid")
    order = await started.json()
    bankid.complete(order["order_ref"], NUMBER, "Eva Id")
    collected = await world.http.post(f"/api/v1/sign/{token}/eid/collect", json=order)
    return collected.status, [order, await collected.json()]


async def _every_row(world: World) -> str:
    tables = await world.sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    rows = [await world.sql(f'SELECT t::text AS row FROM "{t["tablename"]}" t') for t in tables]
    return "\n".join(r["row"] for table in rows for r in table)


async def test_no_table_answer_message_or_log_line_holds_the_number(
    bankid_world: World, bankid: BankIdServer, caplog: pytest.LogCaptureFixture
) -> None:
    world = bankid_world
    caplog.set_level(logging.DEBUG)
    owner, created, token = await _eid_signing(world)
    view = await (await world.http.get(f"/api/v1/sign/{token}")).json()
    status, answers = await _eid_session(world, bankid, token)
    done = await act(world, token, session=answers[1]["session"]["session"])
    staff_view = await world.http.get(f"/api/v1/signings/{created['id']}", headers=owner)
    (row,) = await world.sql(
        "SELECT personal_number, personal_number_sealed FROM parties WHERE method = 'eid'"
    )

    assert (status, done["request_state"]) == (200, "completed")
    assert row["personal_number"] is None
    assert row["personal_number_sealed"] is not None
    stored, said = await _every_row(world), json.dumps([created, view, answers, done])
    said += await staff_view.text() + json.dumps(world.captured.messages) + caplog.text
    for text in (stored, said):
        assert NUMBER not in text
        assert TYPED not in text
        assert "0101-1234" not in text


async def test_a_replica_starting_seals_the_numbers_an_older_one_wrote_in_plain(
    bankid_world: World, bankid: BankIdServer
) -> None:
    world = bankid_world
    _, _, token = await _eid_signing(world)
    # What the previous release wrote: the number in plain, nothing sealed.
    await world.sql(
        "UPDATE parties SET personal_number = $1, personal_number_sealed = NULL"
        " WHERE method = 'eid'",
        NUMBER,
    )
    async with serve(signing_app(world.signing.app[SETTINGS])):
        (row,) = await world.sql(
            "SELECT personal_number, personal_number_sealed FROM parties WHERE method = 'eid'"
        )
    status, _ = await _eid_session(world, bankid, token)

    assert row["personal_number"] is None
    assert row["personal_number_sealed"] is not None
    assert status == 200
