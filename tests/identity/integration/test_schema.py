"""Identity's schema as its migrations leave it (the stairway over every service's migrations
is tests/shared/test_migrations.py)."""

from tests.identity.integration.conftest import Identity


async def test_accounts_keep_their_columns(identity: Identity) -> None:
    columns = await identity.value(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts'"
    )
    assert columns == 8
