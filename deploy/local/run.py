"""`scripts/run`: the whole platform on this machine, until Ctrl-C.

Starts the local S3 server and mail catcher, creates each service's database, starts the five
services and the nginx gateway, loads demo data, and prints where everything is.
"""

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from string import Template

import asyncpg

from deploy.local.demo import load_demo
from deploy.local.mail import MailCatcher
from deploy.local.ports import is_free
from deploy.local.processes import Replica, Supervisor, stop, wait_ready
from deploy.local.s3 import ROOT, S3Server
from deploy.openapi import write_site
from shared.settings import SERVICE_PORTS

STATE = ROOT / ".local"
GATEWAY_PORT = int(os.environ.get("GATEWAY_PORT", "8080"))
SMTP_PORT = int(os.environ.get("SMTP_PORT", "2525"))
ADMIN_DSN = os.environ.get("POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
S3_ACCESS_KEY, S3_SECRET_KEY = "portal-dev", "portal-dev-secret"
# signing's secrets (one-time codes' digests, personal numbers at rest), development values.
SIGNING_SECRETS = {
    "SIGNING_OTP_SECRET": "portal-dev-signing-otp-secret",
    "SIGNING_PERSONAL_NUMBER_KEY": "portal-dev-signing-personal-number-key",
}


async def create_databases() -> dict[str, str]:
    base = ADMIN_DSN.rsplit("/", 1)[0]
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        for service in SERVICE_PORTS:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", f"portal_{service}"
            )
            if not exists:
                await conn.execute(f'CREATE DATABASE "portal_{service}"')
    finally:
        await conn.close()
    return {service: f"{base}/portal_{service}" for service in SERVICE_PORTS}


def service_env(service: str, dsn: str, s3: S3Server) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": dsn,
        "S3_ENDPOINT": s3.endpoint,
        "S3_ACCESS_KEY": S3_ACCESS_KEY,
        "S3_SECRET_KEY": S3_SECRET_KEY,
        **SIGNING_SECRETS,
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{GATEWAY_PORT}",
        "NOTIFY_SMTP_HOST": "127.0.0.1",
        "NOTIFY_SMTP_PORT": str(SMTP_PORT),
        "PYTHONUNBUFFERED": "1",
    }


def replica(service: str, env: dict[str, str]) -> Replica:
    return Replica(service, SERVICE_PORTS[service], env, STATE / "logs" / f"{service}.log")


def start_gateway(s3: S3Server) -> subprocess.Popen[bytes]:
    prefix = STATE / "gateway"
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    template = Template((ROOT / "deploy" / "gateway" / "nginx.conf.template").read_text())
    upstreams = {f"{s.upper()}_UPSTREAM": f"127.0.0.1:{p}" for s, p in SERVICE_PORTS.items()}
    api = STATE / "api"
    write_site(api, ROOT / ".tools" / "api-docs" / "node_modules" / "swagger-ui-dist")
    config = template.safe_substitute(
        GATEWAY_PORT=str(GATEWAY_PORT),
        S3_UPSTREAM=s3.endpoint,
        WEB_ROOT=str(ROOT / "web" / "dist"),
        # Nothing in front of the gateway, and plain HTTP: no HSTS.
        GATEWAY_TRUSTED_PROXY="127.0.0.1/32",
        GATEWAY_HSTS="",
        GATEWAY_AUTH_RATE="10r/s",
        API_ROOT=str(api),
        **upstreams,
    )
    (prefix / "nginx.conf").write_text(config)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    log = (STATE / "logs" / "gateway.log").open("ab")
    return subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=log,
        stderr=log,
    )


def refuse_busy_ports() -> None:
    busy = [p for p in [GATEWAY_PORT, SMTP_PORT, *SERVICE_PORTS.values()] if not is_free(p)]
    if busy:
        sys.exit(f"ports already in use: {busy} (is another scripts/run still running?)")


async def main() -> None:
    refuse_busy_ports()
    (STATE / "logs").mkdir(parents=True, exist_ok=True)
    dsns = await create_databases()
    s3 = S3Server.start(
        STATE / "s3",
        access_key=S3_ACCESS_KEY,
        secret_key=S3_SECRET_KEY,
        log=STATE / "logs" / "s3.log",
    )
    mail = MailCatcher(SMTP_PORT, maildir=STATE / "mail")
    mail.start()
    services = [replica(s, service_env(s, dsns[s], s3)) for s in SERVICE_PORTS]
    gateway_process: subprocess.Popen[bytes] | None = None
    try:
        for service in services:
            service.start()
        for service in services:
            await service.ready()
        gateway_process = start_gateway(s3)
        gateway = f"http://127.0.0.1:{GATEWAY_PORT}"
        await wait_ready("gateway", f"{gateway}/healthz", gateway_process)
        demo = await load_demo(gateway, mail)
        print_welcome(gateway, s3, demo)
        await run_until_stopped(Supervisor(services), gateway_process)
    finally:
        print("\nstopping…", flush=True)
        stop([p for p in [*(s.process for s in services), gateway_process] if p is not None])
        mail.stop()
        s3.stop()


async def run_until_stopped(supervisor: Supervisor, gateway: subprocess.Popen[bytes]) -> None:
    """Until Ctrl-C (or SIGTERM), or the gateway exits; a service that dies is started again."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    watching = asyncio.create_task(supervisor.watch(stopped))
    while not stopped.is_set():
        if gateway.poll() is not None:
            print("the gateway exited unexpectedly; see .local/logs/gateway.log", flush=True)
            stopped.set()
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), 1.0)
    await watching


def print_welcome(gateway: str, s3: S3Server, demo: list[str]) -> None:
    lines = [
        "",
        "The client portal is running.",
        f"  Web portal:          {gateway}/",
        f"  Gateway (API):       {gateway}/api/v1/...",
        *[
            f"  {s:<9} service:   http://127.0.0.1:{p}  (OpenAPI: /openapi.json)"
            for s, p in SERVICE_PORTS.items()
        ],
        f"  Mail catcher:        SMTP 127.0.0.1:{SMTP_PORT}; mails in {STATE / 'mail' / 'new'}",
        f"  S3 (SeaweedFS):      http://{s3.endpoint}  key {S3_ACCESS_KEY} / {S3_SECRET_KEY}",
        "  RabbitMQ:            amqp://guest:guest@127.0.0.1:5672/",
        f"  Logs:                {STATE / 'logs'}",
        *demo,
        "Press Ctrl-C to stop everything.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
