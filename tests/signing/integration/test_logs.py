"""A signing link's token reaches no log line and no span of the service: the real process, its
JSON logs on stderr and its spans on stdout (console exporter), on real PostgreSQL, RabbitMQ
and S3."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from deploy.local.ports import free_port
from deploy.local.processes import wait_ready
from services.signing.settings import SigningSettings
from tests.support.services import Environment

TOKEN = "Tok3n_that-must-not-be-logged"


def _environ(settings: SigningSettings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.dsn, "AMQP_URL": settings.amqp_url,
        "BUS_NAMESPACE": settings.bus_namespace, "JWKS_URL": settings.jwks_url,
        "S3_ENDPOINT": settings.s3_endpoint, "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key, "SIGNING_S3_BUCKET": settings.bucket,
        "SIGNING_HTTP_PORT": str(port), "OTEL_EXPORTER": "console", "LOG_LEVEL": "INFO",
    }  # fmt: skip


def _start(environ: dict[str, str], out: Path, err: Path) -> subprocess.Popen[bytes]:
    with out.open("wb") as stdout, err.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "services.signing"], env=environ, stdout=stdout, stderr=stderr
        )


async def _requests_then_stop(port: int, process: subprocess.Popen[bytes]) -> list[int]:
    base = f"http://127.0.0.1:{port}/api/v1/sign/{TOKEN}"
    async with aiohttp.ClientSession() as http:
        statuses = []
        for path in ("", "/document", "/no-such-action"):
            async with http.get(base + path) as response:
                statuses.append(response.status)
    process.send_signal(signal.SIGTERM)
    await asyncio.to_thread(process.wait, 20)
    return statuses


def _spans(stdout: str) -> list[dict[str, Any]]:
    """The console exporter's spans: one indented JSON object each."""
    decoder, spans, at = json.JSONDecoder(), [], 0
    while (start := stdout.find("{", at)) != -1:
        span, at = decoder.raw_decode(stdout, start)
        spans.append(span)
    return spans


async def test_a_server_error_on_a_token_path_logs_and_traces_no_token(
    env: Environment, tmp_path: Path
) -> None:
    settings, port = await env.settings(SigningSettings), free_port()
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    process = _start(_environ(settings, port), out, err)
    try:
        await wait_ready("signing", f"http://127.0.0.1:{port}/readyz", process, timeout=60)
        # A table gone from under the service: every request on a link fails unexpectedly.
        conn = await asyncpg.connect(settings.dsn)
        await conn.execute("ALTER TABLE links RENAME TO links_elsewhere")
        await conn.close()
        statuses = await _requests_then_stop(port, process)
    finally:
        if process.poll() is None:
            process.kill()

    spans, lines = out.read_text(), err.read_text()
    logs = [json.loads(line) for line in lines.splitlines() if line.startswith("{")]
    paths = {s["attributes"].get("url.path") for s in _spans(spans) if s.get("attributes")}
    assert statuses == [500, 500, 404]
    assert TOKEN not in spans + lines
    assert "unexpected error in GET /api/v1/sign/[redacted]/document" in [
        entry["message"] for entry in logs
    ]
    assert {"/api/v1/sign/[redacted]", "/api/v1/sign/[redacted]/no-such-action"} <= paths
