"""`portalctl` as an operator runs it: its entry point in a process of its own, against the
test's real PostgreSQL, RabbitMQ and running services."""

import asyncio
import os
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import aio_pika
import jwt
import pytest

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port
from services.billing.app import SPEC as BILLING_SPEC
from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.identity.app import create_app as identity_app
from services.identity.models import Context
from services.identity.settings import IdentitySettings
from services.identity.tokens import access_claims
from shared.bus import BusNames
from shared.bus.connection import close_connection
from shared.database import KIT_MIGRATIONS, read_migrations
from shared.events.base import Envelope
from shared.events.identity import FirmCreated
from shared.http.routing import DEPS
from shared.service import DB, SETTINGS
from tests.support.bus import kit_database, stage_widgets
from tests.support.capture import Capture
from tests.support.infra import Postgres, wait_until
from tests.support.journey import PASSWORD, call, link_in, mails_to
from tests.support.platform import five_services
from tests.support.services import Environment, Running, serve

SERVICES = ("identity", "documents", "signing", "notify", "billing")


@dataclass
class Ran:
    status: int
    out: str


async def portalctl(*args: str, **variables: str) -> Ran:
    """Run the command with the environment an operator would give it: the broker, and each
    service's database and address."""
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "portalctl", *args,
        env={**clean, "COLUMNS": "250", **variables},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode is not None
    return Ran(child.returncode, out.decode())


def pointing_at(env: Environment, services: dict[str, Running]) -> dict[str, str]:
    variables = {"AMQP_URL": env.amqp_url, "BUS_NAMESPACE": env.namespace}
    for name, running in services.items():
        variables[f"{name.upper()}_DATABASE_URL"] = running.app[SETTINGS].dsn
        variables[f"{name.upper()}_URL"] = running.url
    return variables


# --- migrate, outbox lag ----------------------------------------------------------------------
async def test_migrate_applies_a_services_migrations_once(postgres: Postgres) -> None:
    dsn = await postgres.create_database("billing")
    first = await portalctl("migrate", "billing", BILLING_DATABASE_URL=dsn)
    assert first.status == 0, first.out
    applied = re.findall(r"(?:kit|billing)/\d{4}_\w+", first.out)
    assert BILLING_SPEC.migrations is not None
    expected = read_migrations("kit", KIT_MIGRATIONS) + read_migrations(
        "billing", BILLING_SPEC.migrations
    )
    assert applied == [f"{m.track}/{m.name}" for m in expected]
    again = await portalctl("migrate", "billing", BILLING_DATABASE_URL=dsn)
    assert again.out.strip() == "billing: up to date"


async def test_migrate_refuses_one_database_for_every_service(postgres: Postgres) -> None:
    dsn = await postgres.create_database("any")
    ran = await portalctl("migrate", DATABASE_URL=dsn)
    assert ran.status == 2
    assert "IDENTITY_DATABASE_URL" in ran.out
    unknown = await portalctl("migrate", "payroll", DATABASE_URL=dsn)
    assert unknown.status == 2
    assert "no service 'payroll'" in unknown.out


async def test_outbox_lag_counts_what_waits(database: str) -> None:
    async with kit_database(database) as db:
        await stage_widgets(db, range(3))
        await asyncio.sleep(1.1)
        ran = await portalctl("outbox", "lag", "notify", NOTIFY_DATABASE_URL=database)
    assert ran.status == 0, ran.out
    row = next(line for line in ran.out.splitlines() if "notify" in line)
    pending, oldest = re.findall(r"\d+(?:\.\d+)?", row)
    assert int(pending) == 3
    assert float(oldest) >= 1.0


# --- dead letters -----------------------------------------------------------------------------
@pytest.fixture
async def billing(env: Environment) -> AsyncIterator[Running]:
    async with serve(billing_app(await env.settings(BillingSettings))) as running:
        yield running


async def dead_letter(env: Environment, envelope: Envelope, queue: str) -> None:
    """Into `queue`'s DLQ the way the broker moves a message there (through portal.dlx)."""
    names = BusNames(env.namespace)
    connection = await aio_pika.connect(env.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        dlx = await channel.get_exchange(names.dead_letters)
        message = aio_pika.Message(
            envelope.model_dump_json().encode(), message_id=str(envelope.id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={"x-delivery-count": 20},
        )  # fmt: skip
        await dlx.publish(message, routing_key=f"{queue}.dlq")
    finally:
        await close_connection(connection)


async def test_a_redriven_dead_letter_is_handled_by_its_consumer(
    env: Environment, billing: Running
) -> None:
    firm_id = uuid.uuid4()
    created = FirmCreated(
        firm_id=firm_id, name="Omdirigerad AB", country="SE", plan="bureau",
        default_language="sv", owner_id=uuid.uuid4(),
    )  # fmt: skip
    queue = BusNames(env.namespace).queue("billing", "events")
    await dead_letter(env, Envelope.wrap(created, firm_id=firm_id, actor=None), queue)
    variables = pointing_at(env, {"billing": billing})

    listed = await portalctl("dlq", "list", **variables)
    assert listed.status == 0, listed.out
    row = next(line for line in listed.out.splitlines() if f"{queue} " in line)
    assert re.findall(r"\d+|missing", row.split(queue)[1]) == ["0", "1", "1"]

    moved = await portalctl("dlq", "redrive", queue, "--limit", "10", **variables)
    assert moved.status == 0, moved.out
    assert f"1 message(s) sent back to {queue}" in moved.out

    async def opened() -> bool:
        async with billing.app[DB].transaction() as conn:
            return bool(await conn.fetchval("SELECT 1 FROM accounts WHERE firm_id=$1", firm_id))

    await wait_until(opened)
    after = await portalctl("dlq", "list", **variables)
    row = next(line for line in after.out.splitlines() if f"{queue} " in line)
    assert re.findall(r"\d+|missing", row.split(queue)[1]) == ["0", "1", "0"]
    missing = await portalctl("dlq", "redrive", f"{env.namespace}payroll.events", **variables)
    assert missing.status == 1


# --- keys -------------------------------------------------------------------------------------
async def test_keys_rotate_signs_with_a_new_key_and_the_old_one_still_verifies(
    env: Environment,
) -> None:
    async with AsyncExitStack() as stack:
        identity = await stack.enter_async_context(
            serve(identity_app(await env.settings(IdentitySettings)))
        )
        jwks_url = f"{identity.url}/api/v1/auth/jwks.json"
        billing = await stack.enter_async_context(
            serve(billing_app(await env.settings(BillingSettings, jwks_url=jwks_url)))
        )
        keys = identity.app[DEPS].keys  # type: ignore[attr-defined]
        before = keys.sign(_claims(identity))

        ran = await portalctl("keys", "rotate", **pointing_at(env, {"identity": identity}))
        assert ran.status == 0, ran.out
        old, new = _kid(before), re.search(r"(\w+)\s+│?\s*signs \(new\)", ran.out)
        assert new is not None, ran.out
        assert re.search(rf"{old}\s+│?\s*retired .* verifies until", ran.out)

        published = await call(identity, "GET", "/api/v1/auth/jwks.json")
        assert {k["kid"] for k in published["keys"]} == {old, new.group(1)}
        await keys.load()  # what the replica's key job does within IDENTITY_KEY_CHECK_SECONDS
        after = keys.sign(_claims(identity))
        assert _kid(after) == new.group(1)
        # Verified by billing: a firm it has not heard of (503, its account not opened yet),
        # not a token it refuses (401).
        for token in (before, after):
            await call(billing, "GET", "/api/v1/billing/account", token, expect=503)


def _claims(identity: Running) -> dict[str, object]:
    context = Context(firm_id=uuid.uuid4(), kind="staff", person_id=uuid.uuid4(), role="owner")
    settings = identity.app[SETTINGS]
    return access_claims(
        context, uuid.uuid4(), issuer=settings.token_issuer, audience=settings.token_audience,
        now=int(time.time()), ttl=300,
    )  # fmt: skip


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


# --- firm create, check -----------------------------------------------------------------------
@pytest.fixture
async def platform(env: Environment) -> AsyncIterator[tuple[dict[str, Running], MailCatcher]]:
    mail = MailCatcher(free_port())
    mail.start()
    try:
        async with AsyncExitStack() as stack:
            yield await five_services(env, stack, smtp_port=mail.port), mail
    finally:
        mail.stop()


async def test_an_operator_checks_the_platform_and_opens_a_firm(
    env: Environment,
    platform: tuple[dict[str, Running], MailCatcher],
    captured: Capture,
) -> None:
    services, mail = platform
    variables = pointing_at(env, services)
    checked = await portalctl("check", **variables)
    assert checked.status == 0, checked.out
    for name in SERVICES:
        assert re.search(rf"{name}\s+│?\s*yes\s+│?\s*0\.1\.0", checked.out), checked.out

    email = f"grundare-{uuid.uuid4().hex[:8]}@byra.example"
    refused = await portalctl("firm", "create", "--name", "Byrå", "--owner-name", "Greta",
                              "--owner-email", email, "--plan", "gold", **variables)  # fmt: skip
    assert refused.status == 2
    assert "plan" in refused.out
    opened = await portalctl("firm", "create", "--name", "Operatörens Byrå", "--owner-name",
                             "Greta Grundare", "--owner-email", email, **variables)  # fmt: skip
    assert opened.status == 0, opened.out
    firm_id = re.search(r"firm (\S+) opened", opened.out).group(1)  # type: ignore[union-attr]

    created = await captured.next("identity.firm.created", lambda d: d["firm_id"] == firm_id)
    assert created["name"] == "Operatörens Byrå"
    await wait_until(lambda: mails_to(mail, email), timeout=20)
    token = link_in(mails_to(mail, email)[0], r"#token=([\w-]+)")
    tokens = await call(services["identity"], "POST", "/api/v1/auth/register",
                        json={"token": token, "password": PASSWORD})  # fmt: skip
    firm = await call(services["identity"], "GET", "/api/v1/firms/current",
                      tokens["access_token"])  # fmt: skip
    assert (firm["id"], firm["name"]) == (firm_id, "Operatörens Byrå")
    assert len(captured.of("identity.firm.created")) == 1  # the refused one made nothing

    variables["BILLING_URL"] = f"http://127.0.0.1:{free_port()}"
    down = await portalctl("check", **variables)
    assert down.status == 1
    assert re.search(r"billing\s+│?\s*NO", down.out)
