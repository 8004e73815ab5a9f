"""Migrations: each file applied once even with runners racing; edits refused; and every
service's migrations apply in order on an empty database (stairway)."""

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from shared.database import (
    KIT_MIGRATIONS,
    await_migrations,
    migrate,
    pending_migrations,
    read_migrations,
)
from shared.service import migration_tracks

SERVICES = Path(__file__).resolve().parents[2] / "services"


def write_track(folder: Path) -> Path:
    folder.mkdir()
    (folder / "0001_accounts.sql").write_text("CREATE TABLE accounts (id int PRIMARY KEY);")
    (folder / "0002_seed.sql").write_text(
        "ALTER TABLE accounts ADD COLUMN name text; INSERT INTO accounts VALUES (1, 'first');"
    )
    return folder


async def test_two_runners_at_once_apply_each_file_once(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    track = write_track(tmp_path / "app")
    tracks = [("kit", KIT_MIGRATIONS), ("app", track)]
    first, second = await asyncio.gather(migrate(database, tracks), migrate(database, tracks))
    assert sorted(first + second) == sorted(
        [f"kit/{m.name}" for m in read_migrations("kit", KIT_MIGRATIONS)]
        + ["app/0001_accounts", "app/0002_seed"]
    )
    conn = await asyncpg.connect(database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM accounts") == 1
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations WHERE track='app'") == 2
    finally:
        await conn.close()


async def test_a_migration_edited_after_it_ran_is_refused(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    track = write_track(tmp_path / "app")
    await migrate(database, [("app", track)])
    (track / "0001_accounts.sql").write_text("CREATE TABLE accounts (id bigint PRIMARY KEY);")
    with pytest.raises(RuntimeError, match="changed after it ran"):
        await migrate(database, [("app", track)])


def test_badly_named_migration_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "create-things.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match=r"0001_name\.sql"):
        read_migrations("app", tmp_path)


def service_tracks(service: str) -> list[tuple[str, Path]]:
    """The tracks a service migrates at start: the kit's, then its own (from its spec)."""
    return migration_tracks(importlib.import_module(f"services.{service}.app").SPEC)


@pytest.mark.parametrize("service", sorted(p.parent.name for p in SERVICES.glob("*/app.py")))
async def test_stairway_every_migration_applies_in_order_once(postgres, service) -> None:  # type: ignore[no-untyped-def]
    """Stairway: on an empty database each migration of the service applies, in order, once;
    a second run applies nothing."""
    dsn = await postgres.create_database(f"stairway_{service}")
    tracks = service_tracks(service)
    files = [f"{t}/{m.name}" for t, folder in tracks for m in read_migrations(t, folder)]
    applied = await migrate(dsn, tracks)
    assert applied == files
    assert await migrate(dsn, tracks) == []


async def test_pending_migrations_are_what_migrate_would_apply(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    track = write_track(tmp_path / "app")
    tracks = [("kit", KIT_MIGRATIONS), ("app", track)]
    assert await pending_migrations(database, tracks) == await migrate(database, tracks)
    assert await pending_migrations(database, tracks) == []
    (track / "0003_more.sql").write_text("ALTER TABLE accounts ADD COLUMN more text;")
    assert await pending_migrations(database, tracks) == ["app/0003_more"]


async def test_a_service_not_migrating_waits_for_the_migrations(database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """MIGRATE_AT_START=false: start-up waits for another process (the Job) to migrate, and
    gives up (the pod restarts) rather than serve an older schema."""
    tracks = [("kit", KIT_MIGRATIONS), ("app", write_track(tmp_path / "app"))]
    with pytest.raises(TimeoutError, match="app/0001_accounts"):
        await await_migrations(database, tracks, timeout=0.3, poll=0.1)
    waiting = asyncio.create_task(await_migrations(database, tracks, timeout=10, poll=0.1))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await migrate(database, tracks)
    await asyncio.wait_for(waiting, 5)


async def test_the_migrate_command_applies_a_services_migrations(postgres) -> None:  # type: ignore[no-untyped-def]
    """`python -m services.<name> migrate`, the command of the Kubernetes migration Job, and
    `migrate --wait`, its pods' init container."""
    dsn = await postgres.create_database("migrate_command")
    env = os.environ | {"DATABASE_URL": dsn}

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "services.billing", *args]
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)

    applied = command("migrate")
    assert applied.returncode == 0, applied.stderr
    assert await pending_migrations(dsn, service_tracks("billing")) == []
    assert command("migrate", "--wait").returncode == 0
