"""Every service starts against real servers, reports ready, documents its API, and stops
gracefully on SIGTERM."""

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from openapi_spec_validator import validate

from deploy.local.ports import free_port
from deploy.local.processes import wait_ready
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
            expected = {"database", "broker", "revocations"} | (
                {"s3"} if "s3_endpoint" in settings_cls.model_fields else set()
            )
            assert body["checks"] == dict.fromkeys(expected, "ok")
        async with service.http.get("/openapi.json") as response:
            document = await response.json()
        validate(document)
        assert "/readyz" in document["paths"]


async def test_process_stops_gracefully_on_sigterm(env: Environment) -> None:
    settings = await env.settings(BillingSettings)
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": settings.dsn,
        "AMQP_URL": settings.amqp_url,
        "BUS_NAMESPACE": settings.bus_namespace,
        "BILLING_HTTP_PORT": str(port),
    }
    process = start_billing(environ)
    try:
        await wait_ready("billing", f"http://127.0.0.1:{port}/readyz", process, timeout=30)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 20)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 0


def start_billing(environ: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.billing"], env=environ,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
