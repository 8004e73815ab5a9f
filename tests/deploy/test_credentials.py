"""deploy.credentials against the real PostgreSQL and RabbitMQ: each service's role owns its
database and nothing more, other roles cannot connect to it, and the broker user gets the
spec's patterns through the management API; run twice, it changes the password."""

import asyncio
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from deploy.credentials import (
    Login,
    ensure_broker_user,
    ensure_database,
    service_permissions,
    service_settings,
)
from services.billing.app import SPEC as BILLING
from shared.database import migrate
from shared.service import migration_tracks
from tests.support.infra import Rabbit, dsn_for, wait_until

ADMIN_DSN = dsn_for("postgres")
MANAGEMENT = "http://guest:guest@127.0.0.1:15672"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def _management_listening() -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", 15672)) == 0


@pytest.fixture(scope="session")
async def management() -> str:
    """RabbitMQ's management API, the one compose's broker image has. The machine's broker
    starts without it; enabling the plugin on a running node takes a few seconds."""
    if not _management_listening():
        enabled = await asyncio.to_thread(
            _run, "rabbitmq-plugins", "-q", "enable", "rabbitmq_management"
        )
        assert enabled.returncode == 0, enabled.stderr
        await wait_until(_management_listening, timeout=60, interval=0.5)
    return MANAGEMENT


@pytest.fixture
async def role() -> AsyncIterator[Login]:
    name = f"t_{uuid.uuid4().hex[:10]}"
    login = Login(name, uuid.uuid4().hex, "127.0.0.1", 5432, f"{name}_db")
    yield login
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{login.path}" WITH (FORCE)')
        await conn.execute(f'DROP ROLE IF EXISTS "{login.user}"')
    finally:
        await conn.close()


def _dsn(login: Login, database: str | None = None) -> str:
    return f"postgresql://{login.user}:{login.password}@127.0.0.1:5432/{database or login.path}"


async def test_a_service_role_owns_its_database_and_may_do_nothing_else(role: Login) -> None:
    await ensure_database(ADMIN_DSN, role)
    await ensure_database(ADMIN_DSN, role)  # idempotent
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        flags = await conn.fetchrow(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = $1",
            role.user,
        )
        owner = await conn.fetchval(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", role.path
        )
    finally:
        await conn.close()
    assert not any(flags.values())
    assert owner == role.user
    # The role applies a service's migrations in its own database.
    assert await migrate(_dsn(role), migration_tracks(BILLING))


async def test_no_other_role_may_connect_to_a_services_database(role: Login) -> None:
    other = Login(f"{role.user}_x", uuid.uuid4().hex, "127.0.0.1", 5432, f"{role.path}_x")
    await ensure_database(ADMIN_DSN, role)
    await ensure_database(ADMIN_DSN, other)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(_dsn(other, role.path))
    finally:
        conn = await asyncpg.connect(ADMIN_DSN)
        await conn.execute(f'DROP DATABASE "{other.path}" WITH (FORCE)')
        await conn.execute(f'DROP ROLE "{other.user}"')
        await conn.close()


def test_settings_are_read_from_env_files_or_a_mounted_secret(tmp_path: Path) -> None:
    (tmp_path / "billing.env").write_text("# billing\nDATABASE_URL=postgresql://b:p@db/x\n")
    (tmp_path / "notify").mkdir()
    (tmp_path / "notify" / "AMQP_URL").write_text("amqp://n:p@mq/\n")
    assert service_settings(tmp_path, "billing") == {"DATABASE_URL": "postgresql://b:p@db/x"}
    assert service_settings(tmp_path, "notify") == {"AMQP_URL": "amqp://n:p@mq/"}


async def test_the_broker_user_gets_its_services_patterns(management: str, rabbit: Rabbit) -> None:
    user = f"t-{uuid.uuid4().hex[:10]}"
    login = Login(user, uuid.uuid4().hex, "127.0.0.1", 5672, rabbit.vhost)
    allowed = service_permissions("notify")
    try:
        await asyncio.to_thread(ensure_broker_user, management, login, allowed)
        listed = (
            await asyncio.to_thread(_run, "rabbitmqctl", "-q", "list_user_permissions", user)
        ).stdout
        assert f"{rabbit.vhost}\t{allowed.configure}\t{allowed.write}\t{allowed.read}" in listed
        rotated = Login(user, uuid.uuid4().hex, "127.0.0.1", 5672, rabbit.vhost)
        await asyncio.to_thread(ensure_broker_user, management, rotated, allowed)
        check = await asyncio.to_thread(
            _run, "rabbitmqctl", "-q", "authenticate_user", user, rotated.password
        )
        assert check.returncode == 0
    finally:
        await asyncio.to_thread(_run, "rabbitmqctl", "-q", "delete_user", user)
