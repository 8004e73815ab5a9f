"""Migrations: each file applied once even with runners racing; edits refused; and every
service's migrations apply in order on an empty database (stairway)."""

import asyncio
import importlib
from pathlib import Path

import asyncpg
import pytest

from shared.database import KIT_MIGRATIONS, migrate, read_migrations

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
    spec = importlib.import_module(f"services.{service}.app").SPEC
    return [("kit", KIT_MIGRATIONS)] + ([(service, spec.migrations)] if spec.migrations else [])


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
