"""Each service's own PostgreSQL role and RabbitMQ user, made from the service's own settings.

`python -m deploy.credentials DIR` reads, for each of the five services, the DATABASE_URL and
AMQP_URL it is deployed with — from `DIR/<service>.env` (compose's env files) or the files
`DIR/<service>/DATABASE_URL` and `DIR/<service>/AMQP_URL` (a Kubernetes Secret mounted as a
volume) — and makes what they name exist, idempotently, with an administrator's connections
from the environment (POSTGRES_ADMIN_URL, RABBITMQ_ADMIN_URL: the management API's
`http://user:password@host:15672`):

- a PostgreSQL role that may log in and nothing more (no superuser, no CREATEDB/CREATEROLE),
  owning the service's database, which no other role may connect to;
- a RabbitMQ user with no tags, allowed on the vhost only the queues and exchanges the
  service's spec uses (shared.bus.permissions).

Run again with new passwords in the same files, it sets them: that is how secrets rotate.
"""

import asyncio
import base64
import importlib
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import asyncpg

from shared.bus import BusNames
from shared.bus.permissions import BrokerPermissions, broker_permissions
from shared.service import broker_use
from shared.settings import SERVICE_PORTS

log = logging.getLogger("deploy.credentials")

MANAGEMENT_ATTEMPTS = 30


@dataclass(frozen=True)
class Login:
    user: str
    password: str
    host: str
    port: int
    path: str  # the database name, or the vhost

    @classmethod
    def of(cls, url: str, default_port: int) -> "Login":
        parts = urlsplit(url)
        if not parts.username or not parts.password:
            raise ValueError(f"{parts.scheme} URL without user and password")
        return cls(
            unquote(parts.username),
            unquote(parts.password),
            parts.hostname or "",
            parts.port or default_port,
            unquote(parts.path.lstrip("/")),
        )


def service_settings(root: Path, service: str) -> dict[str, str]:
    """What the service is deployed with: its env file, or its mounted Secret's files."""
    env_file = root / f"{service}.env"
    if env_file.exists():
        return _env_file(env_file.read_text())
    folder = root / service
    return {p.name: p.read_text().strip() for p in folder.iterdir() if p.is_file()}


def _env_file(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


async def ensure_database(admin_dsn: str, login: Login) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await _ensure_role(conn, login)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", login.path):
            await _execute(conn, "CREATE DATABASE %I OWNER %I", login.path, login.user)
        await _execute(conn, "ALTER DATABASE %I OWNER TO %I", login.path, login.user)
        await _execute(conn, "REVOKE ALL ON DATABASE %I FROM PUBLIC", login.path)
    finally:
        await conn.close()


async def _ensure_role(conn: asyncpg.Connection, login: Login) -> None:
    if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", login.user):
        await _execute(conn, "CREATE ROLE %I LOGIN", login.user)
    await _execute(
        conn,
        "ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
        "PASSWORD %L",
        login.user,
        login.password,
    )


async def _execute(conn: asyncpg.Connection, template: str, *names: str) -> None:
    """DDL takes no parameters: the statement is built by the server's format(), which quotes
    each name (%I) and literal (%L)."""
    statement = await conn.fetchval("SELECT format($1, VARIADIC $2::text[])", template, names)
    await conn.execute(statement)


def ensure_broker_user(admin_url: str, login: Login, allowed: BrokerPermissions) -> None:
    vhost = quote(login.path or "/", safe="")
    user = quote(login.user, safe="")
    _management(admin_url, f"/api/users/{user}", {"password": login.password, "tags": ""})
    _management(admin_url, f"/api/permissions/{vhost}/{user}", vars(allowed))


def _management(admin_url: str, path: str, body: dict[str, str]) -> None:
    parts = urlsplit(admin_url)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
    token = base64.b64encode(f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
                             .encode()).decode()  # fmt: skip
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    for attempt in range(1, MANAGEMENT_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if response.status not in (200, 201, 204):
                    raise RuntimeError(f"RabbitMQ management answered {response.status}")
                return
        except urllib.error.URLError as error:
            # The broker's AMQP port can answer before its management API does.
            if isinstance(error, urllib.error.HTTPError) or attempt == MANAGEMENT_ATTEMPTS:
                raise
            log.info("management API not answering yet (%s); retrying", error.reason)
            time.sleep(2)


def service_permissions(service: str, namespace: str = "") -> BrokerPermissions:
    spec = importlib.import_module(f"services.{service}.app").SPEC
    return broker_permissions(broker_use(spec), BusNames(namespace))


async def provision(root: Path, admin_dsn: str, admin_amqp: str) -> None:
    for service in SERVICE_PORTS:
        settings = service_settings(root, service)
        database = Login.of(settings["DATABASE_URL"], 5432)
        await ensure_database(admin_dsn, database)
        broker = Login.of(settings["AMQP_URL"], 5672)
        allowed = service_permissions(service, settings.get("BUS_NAMESPACE", ""))
        await asyncio.to_thread(ensure_broker_user, admin_amqp, broker, allowed)
        log.info("%s: role %s on %s, broker user %s", service, database.user, database.path,
                 broker.user)  # fmt: skip


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if len(sys.argv) != 2:
        print("usage: python -m deploy.credentials DIR", file=sys.stderr)
        return 2
    asyncio.run(
        provision(Path(sys.argv[1]), os.environ["POSTGRES_ADMIN_URL"],
                  os.environ["RABBITMQ_ADMIN_URL"])
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
