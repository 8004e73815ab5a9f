"""Emailing a code and starting eID are limited per source address and per party: past the
limit the answer is 429 with Retry-After, and nothing is sent. Real servers."""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.signing.integration.conftest import World, party, start_world
from tests.support.services import Environment
from tests.support.tokens import JwksServer


@pytest.fixture
async def limited(env: Environment, jwks: JwksServer, postgres: Any) -> AsyncIterator[World]:
    async with AsyncExitStack() as stack:
        yield await start_world(
            env, jwks, postgres, stack, otp_resend_seconds=0, limit_codes_per_party=2,
            limit_codes_per_address=3, limit_eid_per_party=1,
        )  # fmt: skip


async def _links(world: World, method: str, *emails: str) -> list[str]:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    extra = {"personal_number": "19800101-1234"} if method == "eid" else {}
    parties = [party(e.split("@")[0], e, method=method, **extra) for e in emails]
    created = await world.create(owner, await world.pdf(firm, client), parties)
    await world.send(owner, created["id"])
    return [await world.invitation(e) for e in emails]


async def _ask(world: World, token: str, action: str, address: str) -> Any:
    return await world.http.post(f"/api/v1/sign/{token}/{action}", headers={"X-Real-IP": address})


async def test_a_party_is_sent_only_so_many_codes_whatever_the_address(limited: World) -> None:
    a, b = await _links(limited, "email_otp", "a@example.se", "b@example.se")
    answers = [await _ask(limited, a, "code", f"203.0.113.{n}") for n in range(3)]
    other_party = await _ask(limited, b, "code", "203.0.113.9")
    await limited.all_published()

    assert [r.status for r in answers] == [201, 201, 429]
    refused = answers[2]
    assert refused.content_type == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0
    assert other_party.status == 201
    sent = [d["email"] for d in limited.captured.of("notify.send_signing_code")]
    assert sorted(sent) == ["a@example.se", "a@example.se", "b@example.se"]


async def test_one_address_has_only_so_many_codes_sent_to_any_parties(limited: World) -> None:
    emails = [f"p{n}@example.se" for n in range(4)]
    links = await _links(limited, "email_otp", *emails)
    answers = [await _ask(limited, token, "code", "198.51.100.7") for token in links]
    elsewhere = await _ask(limited, links[3], "code", "198.51.100.8")

    assert [r.status for r in answers] == [201, 201, 201, 429]
    assert elsewhere.status == 201


async def test_a_party_starts_eid_only_so_often(limited: World) -> None:
    (token,) = await _links(limited, "eid", "e@example.se")
    first = await _ask(limited, token, "eid", "192.0.2.1")
    again = await _ask(limited, token, "eid", "192.0.2.2")

    assert first.status == 201
    assert again.status == 429
    assert again.content_type == "application/problem+json"
    assert "Retry-After" in again.headers
