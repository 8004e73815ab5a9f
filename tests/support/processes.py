"""The platform as deployed: each service its own OS process (`python -m services.<name>`),
two replicas each, behind the real nginx gateway, against the run's PostgreSQL, RabbitMQ and S3
and an SMTP catcher of the platform's own.

What a test uses: `url` (the gateway; nothing else is public), `mail` (every message the SMTP
catcher accepted; stop and start it for an outage), and `kill(service)` / `await
start(service)` (SIGKILL both replicas of a service, start them again). Each service reaches
the broker through a `TcpProxy` of its own (`broker[service]`), so a test can delay or cut one
service's broker traffic, or all of it, without touching the machine's shared RabbitMQ. The
rest (databases, namespace, buckets) is there for the consistency check.
"""

import asyncio
import json
import os
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_ports
from deploy.local.processes import Replica, stop
from deploy.local.s3 import S3Server
from services.billing.settings import BillingSettings
from services.documents.settings import DocumentsSettings
from services.identity.settings import IdentitySettings
from services.notify.settings import NotifySettings
from services.signing.certificates import self_signed
from services.signing.settings import SigningSettings
from shared.settings import ServiceSettings
from tests.deploy.gateway import local_values, nginx_running
from tests.support.infra import Postgres, Rabbit
from tests.support.names import unique
from tests.support.proxy import TcpProxy
from tests.support.services import Environment, drop_buckets

REPLICAS = 2
# identity first: the others verify tokens with its keys, read through the gateway.
SETTINGS: dict[str, type[ServiceSettings]] = {
    "identity": IdentitySettings,
    "billing": BillingSettings,
    "documents": DocumentsSettings,
    "signing": SigningSettings,
    "notify": NotifySettings,
}


def environ_of(settings: ServiceSettings) -> dict[str, str]:
    """The environment variables that give another process these settings (the fields that
    were set explicitly; JSON for anything that is not a string)."""
    values = settings.model_dump(mode="json", include=settings.model_fields_set)
    return {
        settings.variable(name): value if isinstance(value, str) else json.dumps(value)
        for name, value in values.items()
    }


def _through(url: str, port: int) -> str:
    """`url` (an AMQP URL on 127.0.0.1) with its port replaced by `port`."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    return urlunsplit(parts._replace(netloc=f"{netloc}:{port}"))


@dataclass
class Platform:
    url: str
    mail: MailCatcher
    replicas: dict[str, list[Replica]]
    broker: dict[str, TcpProxy]
    settings: dict[str, ServiceSettings]
    env: Environment
    s3: S3Server
    vhost: str
    sealing_certificate: bytes  # PEM: what a sealed PDF's signature validates against

    def kill(self, service: str) -> None:
        """SIGKILL every replica of `service`."""
        for replica in self.replicas[service]:
            replica.kill()

    async def start(self, service: str, **environ: str) -> None:
        """Start every stopped replica of `service` (with extra environment variables for this
        start) and wait until all are ready."""
        down = [r for r in self.replicas[service] if not r.alive]
        for replica in down:
            replica.start(**environ)
        await asyncio.gather(*(r.ready() for r in down))

    def cut_broker(self) -> None:
        """A broker outage for every service."""
        for proxy in self.broker.values():
            proxy.cut()

    def restore_broker(self) -> None:
        for proxy in self.broker.values():
            proxy.restore()

    def dsn(self, service: str) -> str:
        return self.settings[service].dsn

    def log_tail(self, service: str, lines: int = 40) -> str:
        return "\n".join(
            f"--- {r.name}\n" + "\n".join(r.log.read_text(errors="replace").splitlines()[-lines:])
            for r in self.replicas[service]
            if r.log.exists()
        )


def two_servers(ports: list[int]) -> str:
    """An upstream placeholder's value naming every replica: the template writes
    `server ${X_UPSTREAM};`, so the first address closes that line and the rest follow it. A
    replica that refuses a connection is left alone for a second only, so one just started
    again gets traffic soon."""
    return "; server ".join(f"127.0.0.1:{port} max_fails=1 fail_timeout=1s" for port in ports)


async def _settings(
    env: Environment, gateway: str, mail_port: int, sealing: tuple[bytes, bytes],
    overrides: dict[str, dict[str, Any]],
) -> dict[str, ServiceSettings]:  # fmt: skip
    common = {
        "public_url": gateway,
        "jwks_url": f"{gateway}/api/v1/auth/jwks.json",
        # Ten processes share the machine's PostgreSQL (100 connections) with other runs.
        "database_pool_min": 1,
        "database_pool_max": 3,
    }
    extra: dict[str, dict[str, Any]] = {
        "identity": {"eid_confirm_seconds": 0.5},
        # One sealing certificate for both replicas, as production has; tests trust it.
        "signing": {"sealing_certificate": sealing[0].decode(), "sealing_key": sealing[1].decode()},
        # A firm reaches 80 % of the partner plan with a few uploads (journey 7).
        "billing": {"plan_included_bytes": {"partner": 1_000_000, "bureau": 5_000_000}},
        # Retries close enough that a 30 s SMTP outage ends in time; a killed replica's
        # claimed mails come back after 5 s instead of 2 minutes.
        "notify": dict(
            smtp_host="127.0.0.1", smtp_port=mail_port, retry_base_seconds=0.5,
            retry_max_seconds=2.0, max_attempts=60, lease_seconds=5.0,
        ),
    }  # fmt: skip
    return {
        name: await env.settings(cls, **(common | extra.get(name, {}) | overrides.get(name, {})))
        for name, cls in SETTINGS.items()
    }


@asynccontextmanager
async def running_platform(
    postgres: Postgres, rabbit: Rabbit, s3: S3Server, workdir: Path,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[Platform]:  # fmt: skip
    """`overrides`: settings per service on top of the platform's own."""
    namespace = unique("pl") + "."
    env = Environment(
        amqp_url=rabbit.url, namespace=namespace, jwks_url="", s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
        new_database=postgres.create_database,
    )  # fmt: skip
    logs = Path(tempfile.mkdtemp(prefix="platform-", dir=workdir))
    # nginx's workers (nobody, when started as root) buffer large bodies in temp dirs under the
    # gateway's prefix here: they must be able to reach it (mkdtemp makes 0700 folders).
    logs.chmod(0o755)  # noqa: ASYNC240 (once per platform)
    # The proxies listen on ports the system picks, so they come first: a port chosen and
    # released before could otherwise be handed to a proxy, and the gateway or a replica
    # would find it taken (nginx's readiness check would even be answered by the proxy).
    broker_port = urlsplit(rabbit.url).port or 5672
    proxies = {name: TcpProxy("127.0.0.1", broker_port).start() for name in SETTINGS}
    port, mail_port, *replica_ports = free_ports(2 + REPLICAS * len(SETTINGS))
    mail = MailCatcher(mail_port)
    mail.start()
    replicas: dict[str, list[Replica]] = {}
    try:
        sealing = self_signed("Client portal sealing (tests)")
        settings = await _settings(
            env, f"http://127.0.0.1:{port}", mail.port, sealing, overrides or {}
        )
        replicas = {
            name: _replicas(name, settings[name], proxies[name].port, logs,
                            replica_ports[REPLICAS * n : REPLICAS * (n + 1)])
            for n, name in enumerate(SETTINGS)
        }  # fmt: skip
        async with AsyncExitStack() as stack:
            stack.enter_context(nginx_running(logs / "gateway", _gateway(port, s3, replicas, logs),
                                              port))  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            platform = Platform(url, mail, replicas, proxies, settings, env, s3, rabbit.vhost,
                                sealing[0])  # fmt: skip
            for name in SETTINGS:
                await platform.start(name)
            yield platform
    finally:
        stop([r.process for group in replicas.values() for r in group if r.process], timeout=10)
        for proxy in proxies.values():
            proxy.stop()
        mail.stop()
        await rabbit.drop_queues(namespace)
        await asyncio.to_thread(drop_buckets, s3.client(), env.bucket_prefix)


def _replicas(
    name: str, settings: ServiceSettings, broker_port: int, logs: Path, ports: list[int]
) -> list[Replica]:
    environ: Mapping[str, str] = {
        **os.environ, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1", **environ_of(settings),
        settings.variable("amqp_url"): _through(settings.amqp_url, broker_port),
    }  # fmt: skip
    return [
        Replica(name, port, environ, logs / f"{name}-{index}.log")
        for index, port in enumerate(ports)
    ]


def _gateway(
    port: int, s3: S3Server, replicas: dict[str, list[Replica]], logs: Path
) -> dict[str, str]:
    web_root = logs / "web"
    web_root.mkdir()
    values = local_values(port, s3=s3.endpoint, web_root=web_root)
    for name, group in replicas.items():
        values[f"{name.upper()}_UPSTREAM"] = two_servers([r.port for r in group])
    return values
