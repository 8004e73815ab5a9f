"""PostgreSQL: a pool whose transactions survive a server restart, and the migration runner."""

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias, TypeVar

import asyncpg

log = logging.getLogger(__name__)

Connection: TypeAlias = asyncpg.Connection
T = TypeVar("T")

# Errors that mean "this connection is gone", not "this query is wrong".
CONNECTION_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InterfaceError,
    # A pooled connection whose backend was terminated while idle can answer the next query
    # with "cannot switch to state …; another operation is in progress" instead of a
    # connection error (seen after pg_terminate_backend, tests/shared/test_database.py).
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    OSError,
)
# The database is there but takes no more connections now (every slot in use): as unavailable
# for this request as a lost one, and as soon worth trying again.
DATABASE_UNAVAILABLE = (*CONNECTION_LOST, asyncpg.exceptions.TooManyConnectionsError)

KIT_MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_KEY = 0x706F7274616C  # "portal": one migration runner at a time per database
_MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


async def _init_connection(conn: Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: Connection) -> None:
    """Every use of a pooled connection is one transaction, ended by commit or rollback, that
    sets nothing beyond itself (advisory locks are transaction-scoped, no LISTEN, no SET):
    asyncpg's default reset query, a round trip on every release, would have nothing to undo."""


class Database:
    """A pool plus transactions that retry a connection the server has dropped.

    asyncpg does not test a pooled connection before handing it out, so after a PostgreSQL
    restart the first statement on each old connection fails. That first statement is always
    our BEGIN, before any work, so retrying it on a fresh connection is safe.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 2, max_size: int = 10) -> "Database":
        pool = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session
        )
        return cls(pool)

    async def close(self, timeout: float = 10.0) -> None:
        """Close the pool. asyncpg waits for ever for a connection some task still holds; a
        shutdown must not, so what is still held after `timeout` is terminated."""
        try:
            await asyncio.wait_for(self.pool.close(), timeout)
        except TimeoutError:
            log.warning("database pool not closed in %.0f s; terminating its connections", timeout)
            self.pool.terminate()

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[Connection]:
        conn, tx = await self._begin(readonly)
        try:
            yield conn
        except BaseException:
            with suppress(*CONNECTION_LOST):
                await tx.rollback()
            raise
        else:
            await tx.commit()
        finally:
            await self.pool.release(conn)

    async def _begin(self, readonly: bool) -> tuple[Connection, asyncpg.transaction.Transaction]:
        attempts = 3
        for attempt in range(1, attempts + 1):
            conn = await self.pool.acquire()
            tx = conn.transaction(readonly=readonly)
            try:
                await tx.start()
            except CONNECTION_LOST:
                await self.pool.release(conn)
                await self.pool.expire_connections()
                if attempt == attempts:
                    raise
                log.warning("database connection lost; retrying on a fresh one")
                continue
            except BaseException:
                # Cancelled (e.g. a job or the relay stopping) during BEGIN: without this the
                # connection stays checked out, idle in transaction, and Pool.close() waits.
                await self.pool.release(conn)
                raise
            return conn, tx
        raise AssertionError("unreachable")

    async def read(self, look: Callable[[Connection], Awaitable[T]]) -> T:
        """`look` on a pooled connection outside a transaction: for ONE read-only statement,
        which is its own snapshot, so the BEGIN and COMMIT round trips of `transaction` would
        buy nothing. A connection the server has dropped is replaced, as `transaction` does,
        and the read tried again: it changed nothing, so that is safe."""
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                async with self.pool.acquire() as conn:
                    return await look(conn)
            except CONNECTION_LOST:
                await self.pool.expire_connections()
                if attempt == attempts:
                    raise
                log.warning("database connection lost; retrying the read on a fresh one")
        raise AssertionError("unreachable")

    async def ping(self) -> None:
        async with self.transaction(readonly=True) as conn:
            await conn.fetchval("SELECT 1")


@dataclass(frozen=True)
class Migration:
    track: str
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def read_migrations(track: str, folder: Path) -> list[Migration]:
    """Numbered files `0001_name.sql` of one track, in order; anything else there is an error."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise ValueError(f"migration file name must look like 0001_name.sql: {path}")
        found.append(Migration(track, int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {folder}")
    return found


async def migrate(dsn: str, tracks: Sequence[tuple[str, Path]]) -> list[str]:
    """Apply what is new, each file once, even with several replicas starting together.

    Returns the names applied by this call. A file edited after it was applied is refused.
    """
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            return await _apply_all(conn, tracks)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    finally:
        await conn.close()


async def pending_migrations(dsn: str, tracks: Sequence[tuple[str, Path]]) -> list[str]:
    """Names of the migrations of `tracks` the database has not applied yet (all of them when
    it has none). One applied and edited since is refused, as `migrate` refuses it; one the
    database has and `tracks` lacks (a newer release ran first) is not this release's concern."""
    conn = await asyncpg.connect(dsn)
    try:
        table = await conn.fetchval("SELECT to_regclass('schema_migrations')")
        rows = (
            await conn.fetch("SELECT track, version, checksum FROM schema_migrations")
            if table
            else []
        )
    finally:
        await conn.close()
    applied = {(r["track"], r["version"]): r["checksum"] for r in rows}
    missing = []
    for track, folder in tracks:
        for migration in read_migrations(track, folder):
            known = applied.get((track, migration.version))
            if known is None:
                missing.append(f"{track}/{migration.name}")
            elif known != migration.checksum:
                raise RuntimeError(f"migration {track}/{migration.name} changed after it ran")
    return missing


async def await_migrations(
    dsn: str, tracks: Sequence[tuple[str, Path]], *, timeout: float | None, poll: float = 2.0
) -> None:
    """Wait until another process (the deployment's migration Job) has applied every migration
    of `tracks`; TimeoutError after `timeout` seconds (None: wait for ever)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while missing := await _pending_or_unreachable(dsn, tracks):
        if deadline is not None and loop.time() >= deadline:
            raise TimeoutError(f"migrations not applied: {', '.join(missing)}")
        log.info("waiting for migrations: %s", ", ".join(missing))
        await asyncio.sleep(poll)


async def _pending_or_unreachable(dsn: str, tracks: Sequence[tuple[str, Path]]) -> list[str]:
    try:
        return await pending_migrations(dsn, tracks)
    except CONNECTION_LOST as exc:
        return [f"(database unreachable: {exc.__class__.__name__})"]


async def _apply_all(conn: Connection, tracks: Sequence[tuple[str, Path]]) -> list[str]:
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               track text NOT NULL, version int NOT NULL, name text NOT NULL,
               checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (track, version))"""
    )
    rows = await conn.fetch("SELECT track, version, checksum FROM schema_migrations")
    applied = {(r["track"], r["version"]): r["checksum"] for r in rows}
    done = []
    for track, folder in tracks:
        for migration in read_migrations(track, folder):
            known = applied.get((track, migration.version))
            if known is None:
                await _apply(conn, migration)
                done.append(f"{track}/{migration.name}")
            elif known != migration.checksum:
                raise RuntimeError(f"migration {track}/{migration.name} changed after it ran")
    return done


async def schema_versions(conn: Connection) -> dict[str, int]:
    """The newest migration applied, by track (`kit`, the service's own)."""
    rows = await conn.fetch("SELECT track, max(version) AS v FROM schema_migrations GROUP BY track")
    return {row["track"]: row["v"] for row in rows}


async def _apply(conn: Connection, migration: Migration) -> None:
    async with conn.transaction():
        await conn.execute(migration.sql)
        await conn.execute(
            "INSERT INTO schema_migrations (track, version, name, checksum) VALUES ($1,$2,$3,$4)",
            migration.track,
            migration.version,
            migration.name,
            migration.checksum,
        )
    log.info("applied migration %s/%s", migration.track, migration.name)
