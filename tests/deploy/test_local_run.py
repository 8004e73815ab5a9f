"""The local run (`scripts/run`): a service that dies is started again with backoff instead of
stopping the platform, and a port whose last connections are in TIME_WAIT counts as free, so
the run can be started again right after it stopped."""

import asyncio
import os
import socket
from pathlib import Path

import aiohttp

from deploy.local.ports import free_port, is_free
from deploy.local.processes import Replica, Supervisor
from services.billing.settings import BillingSettings
from tests.support.infra import wait_until
from tests.support.processes import environ_of
from tests.support.services import Environment


async def test_a_service_that_dies_is_started_again_and_the_platform_stays_up(
    env: Environment, tmp_path: Path
) -> None:
    settings = await env.settings(BillingSettings)
    environ = {**os.environ, "LOG_LEVEL": "WARNING", **environ_of(settings)}
    billing = Replica("billing", free_port(), environ, tmp_path / "billing.log")
    supervisor = Supervisor([billing], first_delay=0.2, max_delay=1.0)
    stopped = asyncio.Event()
    billing.start()
    watching = asyncio.create_task(supervisor.watch(stopped))
    try:
        await billing.ready()
        for death in (1, 2):
            first = billing.process
            billing.kill()
            await wait_until(lambda f=first: billing.process is not f, timeout=10)  # type: ignore[misc]
            await billing.ready()
            assert supervisor.restarts == {billing.name: death}
        assert not watching.done()
    finally:
        stopped.set()
        await watching
        billing.stop()


async def test_a_stopped_service_can_be_started_again_at_once(
    env: Environment, tmp_path: Path
) -> None:
    """Connections the service closed first stay in TIME_WAIT on its port for a minute."""
    settings = await env.settings(BillingSettings)
    environ = {**os.environ, "LOG_LEVEL": "WARNING", **environ_of(settings)}
    billing = Replica("billing", free_port(), environ, tmp_path / "billing.log")
    billing.start()
    try:
        await billing.ready()
        assert not is_free(billing.port)
        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                async with http.get(f"{billing.url}/healthz") as response:
                    assert response.status == 200
        billing.stop()
        assert is_free(billing.port)
        billing.start()
        await billing.ready()
    finally:
        billing.stop()


def test_a_port_in_time_wait_is_free_and_a_listening_one_is_not() -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    assert not is_free(port)
    accepted.close()  # the server side closes first: its end stays in TIME_WAIT
    client.recv(1)
    client.close()
    server.close()
    assert is_free(port)
