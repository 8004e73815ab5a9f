"""Every service starts against real servers, reports ready, documents its API, and stops
gracefully on SIGTERM."""

import asyncio
import os
import signal
import sys

import aiohttp
import pytest
from openapi_spec_validator import validate

from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.documents.app import create_app as documents_app
from services.documents.settings import DocumentsSettings
from services.identity.app import create_app as identity_app
from services.identity.settings import IdentitySettings
from services.notify.app import create_app as notify_app
from services.notify.settings import NotifySettings
from services.signing.app import create_app as signing_app
from services.signing.settings import SigningSettings
from tests.support.services import Environment, serve

SERVICES = [
    (identity_app, IdentitySettings),
    (documents_app, DocumentsSettings),
    (signing_app, SigningSettings),
    (notify_app, NotifySettings),
    (billing_app, BillingSettings),
]


@pytest.mark.parametrize(
    ("create_app", "settings_cls"), SERVICES, ids=lambda v: getattr(v, "service", "")
)
async def test_service_is_ready_and_documents_its_api(
    env: Environment, create_app, settings_cls
) -> None:
    settings = await env.settings(settings_cls)
    async with serve(create_app(settings)) as service:
        async with service.http.get("/healthz") as response:
            assert response.status == 200
        async with service.http.get("/readyz") as response:
            body = await response.json()
            assert response.status == 200, body
            expected = {"database", "broker"} | (
                {"s3"} if "s3_endpoint" in settings_cls.model_fields else set()
            )
            assert body["checks"] == dict.fromkeys(expected, "ok")
        async with service.http.get("/openapi.json") as response:
            document = await response.json()
        validate(document)
        assert "/readyz" in document["paths"]


async def test_process_stops_gracefully_on_sigterm(env: Environment) -> None:
    settings = await env.settings(BillingSettings, http_port=0)
    port = _free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": settings.dsn,
        "AMQP_URL": settings.amqp_url,
        "BUS_NAMESPACE": settings.bus_namespace,
        "BILLING_HTTP_PORT": str(port),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.billing", env=environ,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await _wait_ready(f"http://127.0.0.1:{port}/readyz")
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
    assert code == 0


def _free_port() -> int:
    from deploy.local.ports import free_port

    return free_port()


async def _wait_ready(url: str, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} never became ready")
