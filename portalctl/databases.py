"""Migrations and outbox backlogs, on each service's own database."""

from dataclasses import dataclass

import asyncpg

from portalctl.targets import migration_tracks, settings_of
from shared.bus import Backlog, backlog
from shared.database import migrate


@dataclass(frozen=True)
class Migrated:
    service: str
    applied: list[str]


async def migrate_service(service: str) -> Migrated:
    """What the service applies at start, under the same advisory lock: safe beside running
    replicas, and a Job run before an upgrade leaves nothing for the new pods to do."""
    applied = await migrate(settings_of(service).dsn, migration_tracks(service))
    return Migrated(service, applied)


async def outbox_backlog_of(service: str) -> Backlog:
    conn = await asyncpg.connect(settings_of(service).dsn)
    try:
        return await backlog(conn)
    finally:
        await conn.close()
