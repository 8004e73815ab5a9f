"""Every migration applies in order on an empty database, and applying again changes nothing."""

import asyncpg

from services.identity.app import SPEC
from shared.database import KIT_MIGRATIONS, migrate, read_migrations


async def test_migrations_apply_once_in_order(database: str) -> None:
    assert SPEC.migrations is not None
    tracks = [("kit", KIT_MIGRATIONS), ("identity", SPEC.migrations)]
    applied = await migrate(database, tracks)
    files = [m.name for m in read_migrations("identity", SPEC.migrations)]
    assert [name.split("/", 1)[1] for name in applied if name.startswith("identity/")] == files
    assert await migrate(database, tracks) == []
    conn = await asyncpg.connect(database)
    try:
        columns = await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts'"
        )
    finally:
        await conn.close()
    assert columns == 8
