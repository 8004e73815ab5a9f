"""Each user's notification preferences, time zone and the day of their last digest."""

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from shared.database import Connection


async def get_preferences(
    conn: Connection, firm_id: UUID, user_ids: Sequence[UUID]
) -> dict[UUID, dict[str, str]]:
    rows = await conn.fetch(
        """SELECT user_id, category, choice FROM preferences
           WHERE firm_id = $1 AND user_id = ANY($2::uuid[])""",
        firm_id, list(user_ids),
    )  # fmt: skip
    chosen: dict[UUID, dict[str, str]] = {}
    for r in rows:
        chosen.setdefault(r["user_id"], {})[r["category"]] = r["choice"]
    return chosen


async def upsert_preference(
    conn: Connection, firm_id: UUID, user_id: UUID, category: str, choice: str
) -> None:
    await conn.execute(
        """INSERT INTO preferences (firm_id, user_id, category, choice) VALUES ($1,$2,$3,$4)
           ON CONFLICT (firm_id, user_id, category) DO UPDATE SET choice = $4""",
        firm_id, user_id, category, choice,
    )  # fmt: skip


async def get_time_zone(conn: Connection, firm_id: UUID, user_id: UUID) -> str | None:
    return await conn.fetchval(
        "SELECT time_zone FROM user_settings WHERE firm_id = $1 AND user_id = $2", firm_id, user_id
    )


async def upsert_time_zone(conn: Connection, firm_id: UUID, user_id: UUID, zone: str) -> None:
    await conn.execute(
        """INSERT INTO user_settings (firm_id, user_id, time_zone) VALUES ($1,$2,$3)
           ON CONFLICT (firm_id, user_id) DO UPDATE SET time_zone = $3""",
        firm_id, user_id, zone,
    )  # fmt: skip


async def update_last_digest(
    conn: Connection, firm_id: UUID, user_id: UUID, zone: str, day: date
) -> None:
    await conn.execute(
        """INSERT INTO user_settings (firm_id, user_id, time_zone, last_digest) VALUES ($1,$2,$3,$4)
           ON CONFLICT (firm_id, user_id) DO UPDATE SET last_digest = $4""",
        firm_id, user_id, zone, day,
    )  # fmt: skip
