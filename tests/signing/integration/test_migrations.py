"""Stairway: every migration applies in order on an empty database, and again is a no-op."""

from pathlib import Path

import services.signing
from shared.database import KIT_MIGRATIONS, migrate


async def test_every_migration_applies_in_order_once(database: str) -> None:
    tracks = [
        ("kit", KIT_MIGRATIONS),
        ("signing", Path(services.signing.__file__).parent / "migrations"),
    ]
    first = await migrate(database, tracks)
    again = await migrate(database, tracks)
    assert [name for name in first if name.startswith("signing/")] == [
        "signing/0001_init",
        "signing/0002_sealed_personal_numbers",
        "signing/0003_replica_names",
    ]
    assert again == []
