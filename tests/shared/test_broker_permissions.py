"""Each service's own broker user (shared.bus.permissions): the five services run on real
RabbitMQ users that hold only the patterns derived from their specs, a sign-up mail still goes
identity → notify's command queue → SMTP, and no other service's user can read that queue."""

import asyncio
import importlib
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import quote

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from deploy.local.mail import MailCatcher
from shared.bus import BusNames
from shared.bus.permissions import BrokerPermissions, broker_permissions
from shared.service import broker_use
from tests.support.infra import Rabbit, wait_until
from tests.support.services import Environment, Running, serve

SERVICES = ("identity", "billing", "documents", "signing", "notify")


def permissions(service: str, namespace: str) -> BrokerPermissions:
    spec = importlib.import_module(f"services.{service}.app").SPEC
    return broker_permissions(broker_use(spec), BusNames(namespace))


def _ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
async def broker_users(rabbit: Rabbit, namespace: str) -> AsyncIterator[dict[str, str]]:
    """service → AMQP URL of a user of its own on the run's vhost, with its patterns only."""
    urls = {}
    for service in SERVICES:
        user, password = f"{namespace}{service}", uuid.uuid4().hex
        allowed = permissions(service, namespace)
        await asyncio.to_thread(_ctl, "add_user", user, password)
        await asyncio.to_thread(
            _ctl, "set_permissions", "-p", rabbit.vhost, user,
            allowed.configure, allowed.write, allowed.read,
        )  # fmt: skip
        urls[service] = f"amqp://{user}:{password}@127.0.0.1:5672/{quote(rabbit.vhost, safe='')}"
    yield urls
    for service in SERVICES:
        await asyncio.to_thread(_ctl, "delete_user", f"{namespace}{service}")


async def _start(
    stack: AsyncExitStack, env: Environment, urls: dict[str, str], smtp: MailCatcher
) -> dict[str, Running]:
    started: dict[str, Running] = {}
    for service in SERVICES:
        app = importlib.import_module(f"services.{service}.app")
        module = importlib.import_module(f"services.{service}.settings")
        cls = getattr(module, f"{service.capitalize()}Settings")
        extra: dict[str, Any] = {"amqp_url": urls[service]}
        if service != "identity":
            extra["jwks_url"] = f"{started['identity'].url}/api/v1/auth/jwks.json"
        if service == "notify":
            extra |= {"smtp_host": "127.0.0.1", "smtp_port": smtp.port}
        settings = await env.settings(cls, **extra)
        started[service] = await stack.enter_async_context(serve(app.create_app(settings)))
    return started


async def _ready(running: Running) -> bool:
    async with running.http.get("/readyz") as response:
        return response.status == 200


async def test_every_service_works_with_only_its_own_broker_permissions(
    env: Environment, broker_users: dict[str, str], smtp: MailCatcher
) -> None:
    """Ready means connected with every queue declared, bound and consumed: a refused step
    closes the channel and the kit keeps reconnecting, never ready."""
    async with AsyncExitStack() as stack:
        started = await _start(stack, env, broker_users, smtp)
        for running in started.values():
            await wait_until(lambda r=running: _ready(r), timeout=20)
        email = f"owner-{uuid.uuid4().hex[:8]}@firm.example"
        sign_up = {
            "name": "Byrå", "country": "SE", "plan": "partner", "default_language": "sv",
            "owner_name": "Anna Ägare", "owner_email": email,
        }  # fmt: skip
        async with started["identity"].http.post("/api/v1/firms", json=sign_up) as response:
            assert response.status == 202
        await wait_until(lambda: any(m["To"] == email for m in smtp.messages), timeout=20)


async def test_no_other_service_may_read_notifys_command_queue(
    env: Environment, broker_users: dict[str, str], rabbit: Rabbit
) -> None:
    names = BusNames(env.namespace)
    admin = await aio_pika.connect(rabbit.url)
    try:
        setup = await admin.channel()
        await setup.declare_queue(names.queue("notify", "commands"), durable=True, arguments={
            "x-queue-type": "quorum",
        })  # fmt: skip
        for service in SERVICES:
            if service != "notify":
                await _refused_to_read(broker_users[service], names.queue("notify", "commands"))
    finally:
        await admin.close()


async def _refused_to_read(url: str, queue_name: str) -> None:
    intruder = await aio_pika.connect(url)
    try:
        channel = await intruder.channel()
        queue = await channel.get_queue(queue_name, ensure=False)
        with pytest.raises(ChannelAccessRefused):
            await queue.consume(_ignore)
    finally:
        await intruder.close()


async def _ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    return None


async def test_the_services_keep_the_archive_but_none_may_read_it(
    env: Environment, broker_users: dict[str, str], smtp: MailCatcher
) -> None:
    """Every service declares and binds the archive with its own user (or it would never be
    ready); reading the past is for subscribers and operators only."""
    async with AsyncExitStack() as stack:
        started = await _start(stack, env, broker_users, smtp)
        for running in started.values():
            await wait_until(lambda r=running: _ready(r), timeout=20)
        for service in SERVICES:
            await _refused_to_read(broker_users[service], BusNames(env.namespace).archive)


def test_the_patterns_name_only_the_services_own_queues() -> None:
    """The patterns, as a reviewer reads them: billing reads its events, its DLQ, its RPC
    queue, the reply queue of its revocation catch-up and each replica's revocation queue, and
    none of another service's."""
    allowed = permissions("billing", "")
    assert allowed.read == (
        r"^(?:portal\.events|portal\.dlx|billing\.events|billing\.events\.dlq|billing\.requests"
        r"|amq\.gen\-.*|billing\.revocations\.[0-9a-f]+)$"
    )
    assert "notify" not in allowed.configure + allowed.write + allowed.read
