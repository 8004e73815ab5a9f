"""Identity's schema as its migrations leave it (the stairway over every service's migrations
is tests/shared/test_migrations.py)."""

import asyncpg

from tests.support.services import Running


async def test_accounts_keep_their_columns(identity: Running, sql: asyncpg.Connection) -> None:
    columns = await sql.fetchval(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts'"
    )
    assert columns == 8
