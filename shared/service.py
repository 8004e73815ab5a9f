"""The one shape of every service (ARCHITECTURE.md §2).

A service describes itself in a `ServiceSpec` (routes, migrations, handlers, jobs, and how to
build its one typed dependencies object); `build_app` turns that into an aiohttp app whose
cleanup contexts open and close every resource in order: database (with migrations) → bus
(connection, RPC client, outbox relay) → S3 → the service's dependencies → the revocation feed
→ consumers and the RPC server → the revocation catch-up → jobs. `run` starts it with graceful
shutdown on SIGTERM.

Dependencies reach code one way: every route handler, event, command and RPC handler and the
jobs factory receives the service's dependencies object as the keyword argument `deps`. Nothing
looks them up on the `web.Application`.
"""

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from pydantic import BaseModel

from shared.auth import (
    JwksKeys,
    KeySource,
    Principal,
    RevocationCheck,
    TokenVerifier,
    authentication,
)
from shared.bus import (
    Batched,
    Bus,
    BusNames,
    Consumer,
    Handler,
    OutboxRelay,
    RpcClient,
    RpcServer,
    outbox_backlog,
)
from shared.bus.permissions import BrokerUse
from shared.bus.topology import Archive
from shared.database import (
    CONNECTION_LOST,
    KIT_MIGRATIONS,
    Connection,
    Database,
    await_migrations,
    migrate,
    schema_versions,
)
from shared.events.base import Command, Envelope, Event, Message, Request
from shared.http.measuring import METRICS, measured
from shared.http.openapi import openapi_document
from shared.http.problems import problems
from shared.http.routing import DEPS, Api
from shared.http.tracing import tracing
from shared.jobs import Periodic, Scheduler
from shared.logs import configure_logging
from shared.metrics import CONTENT_TYPE, Metrics
from shared.ratelimit import delete_expired
from shared.revocation import CatchUp, DenyList, RevocationFeed, asking_identity, retention_seconds
from shared.settings import S3Settings, ServiceSettings
from shared.storage import ObjectStore
from shared.telemetry import setup_tracing

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", ServiceSettings)
DB = web.AppKey("db", Database)
BUS = web.AppKey("bus", Bus)
RPC = web.AppKey("rpc", RpcClient)
STORE = web.AppKey("store", ObjectStore)
VERIFIER = web.AppKey("verifier", TokenVerifier)
DENY = web.AppKey("deny", DenyList)
FEED = web.AppKey("feed", RevocationFeed)
MIGRATIONS = web.AppKey("migrations", list[tuple[str, Path]])

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


@dataclass(frozen=True)
class Kit:
    """What the kit opens for every service, handed to the service's dependencies builder."""

    settings: ServiceSettings
    db: Database
    bus: Bus
    metrics: Metrics
    rpc: RpcClient | None = None
    store: ObjectStore | None = None


Dependencies = Callable[[Kit], AbstractAsyncContextManager[Any]]


class Handles(Protocol):
    """An event, command or RPC handler as a service declares it: the kit binds the service's
    dependencies as `deps` before the bus calls it with (connection, message, envelope)."""

    def __call__(
        self, conn: Connection, message: Any, envelope: Envelope, /, *, deps: Any
    ) -> Awaitable[Any]: ...


# The service's own revocation check, called with its dependencies object (identity's).
Revoked = Callable[[Any, Principal], Awaitable[bool]]


@dataclass(frozen=True)
class ServiceSpec:
    """What makes one service different from the others."""

    name: str
    title: str
    description: str
    apis: Sequence[Api] = ()
    migrations: Path | None = None
    events: Mapping[type[Event], Handles] = field(default_factory=dict)
    commands: Mapping[type[Command], Handles] = field(default_factory=dict)
    rpc: Mapping[type[Request], Handles | Batched] = field(default_factory=dict)
    jobs: Callable[[Any], Sequence[Periodic]] = lambda _deps: ()
    calls_rpc: bool = False
    uses_s3: bool = False
    revoked: Revoked | None = None
    # How a replica catches up on revocations when it starts or reconnects (shared/revocation
    # .py); None: it asks identity by RPC. Identity reads its own database.
    catch_up: Callable[[Kit], CatchUp] | None = None
    # Required by build_app; None only while a composition root fills it in (identity's closes
    # over the key store its token verifier shares).
    dependencies: Dependencies | None = None


def build_app(
    settings: ServiceSettings, spec: ServiceSpec, *, keys: KeySource | None = None
) -> web.Application:
    if spec.dependencies is None:
        raise ValueError(f"{spec.name}: a service names how its dependencies are built")
    deny = DenyList(
        retention_seconds(settings.access_token_max_seconds),
        outage_grace=settings.revocation_outage_grace_seconds,
    )
    verifier = TokenVerifier(
        keys or JwksKeys(settings.jwks_url),
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        max_lifetime=settings.access_token_max_seconds,
        deny=deny,
    )
    app = web.Application(
        middlewares=[measured, problems, tracing, authentication(verifier, _revocation(spec))],
        client_max_size=1024**2,
    )
    app[SETTINGS] = settings
    app[VERIFIER] = verifier
    app[DENY] = deny
    app[METRICS] = Metrics()
    app[MIGRATIONS] = migration_tracks(spec)
    app.cleanup_ctx.append(_database(spec))
    if spec.uses_s3:
        app.cleanup_ctx.append(_store)
    app.cleanup_ctx.append(_bus(spec))
    app.cleanup_ctx.append(_dependencies(spec.dependencies))
    app.cleanup_ctx.append(_revocations(spec))
    app.cleanup_ctx.append(_consuming(spec))
    app.cleanup_ctx.append(_caught_up)
    app.cleanup_ctx.append(_jobs(spec))
    app.cleanup_ctx.append(_key_cache)
    system = _system_api(spec)
    for api in (system, *spec.apis):
        api.install(app)
    # Not an API route: it is for the operators' Prometheus, not in the public document, and
    # the gateway does not route it (deploy/gateway/nginx.conf.template).
    app.router.add_get("/metrics", _metrics)
    return app


def broker_use(spec: ServiceSpec) -> BrokerUse:
    """What the service does on the bus, for its broker user's permissions
    (shared.bus.permissions): the queues `_consumers` and the RPC server declare. A service
    that catches up on revocations from identity calls RPC for that."""
    consumes = tuple(purpose for purpose, table in _TABLES if getattr(spec, table))
    calls_rpc = spec.calls_rpc or spec.catch_up is None
    return BrokerUse(spec.name, consumes, serves_rpc=bool(spec.rpc), calls_rpc=calls_rpc)


# Work queue purpose → the spec's handler table consumed from it.
_TABLES = (("events", "events"), ("commands", "commands"))


def _revocation(spec: ServiceSpec) -> RevocationCheck | None:
    """The service's revocation check, handed its dependencies like every other handler."""
    check = spec.revoked
    if check is None:
        return None

    async def revoked(app: web.Application, principal: Principal) -> bool:
        return await check(app[DEPS], principal)

    return revoked


def migration_tracks(spec: ServiceSpec) -> list[tuple[str, Path]]:
    """The kit's migrations, then the service's own."""
    tracks = [("kit", KIT_MIGRATIONS)]
    if spec.migrations is not None:
        tracks.append((spec.name, spec.migrations))
    return tracks


def _database(spec: ServiceSpec) -> CleanupContext:
    async def database(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        tracks = migration_tracks(spec)
        if settings.migrate_at_start:
            applied = await migrate(settings.dsn, tracks)
            if applied:
                log.info("migrations applied: %s", ", ".join(applied))
        else:
            await await_migrations(settings.dsn, tracks, timeout=settings.migration_wait_seconds)
        app[DB] = await Database.connect(
            settings.dsn, min_size=settings.database_pool_min, max_size=settings.database_pool_max
        )
        async with app[DB].transaction(readonly=True) as conn:
            for track, version in (await schema_versions(conn)).items():
                app[METRICS].schema.labels(track).set(version)
        yield
        await app[DB].close()

    return database


def _bus(spec: ServiceSpec) -> CleanupContext:
    """The bus and the RPC client, not yet connected: the dependencies built next may hold
    them, and the consumers register before the first connection."""

    async def bus_context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        bus = Bus(
            settings.amqp_url,
            BusNames(settings.bus_namespace),
            name=spec.name,
            publish_timeout=settings.publish_timeout_seconds,
            archive=Archive(settings.archive_max_age, settings.archive_max_bytes),
        )
        app[BUS] = bus
        if broker_use(spec).calls_rpc:
            app[RPC] = RpcClient(bus, metrics=app[METRICS])
        yield
        await bus.stop()

    return bus_context


def _dependencies(build: Dependencies) -> CleanupContext:
    async def dependencies(app: web.Application) -> AsyncIterator[None]:
        kit = Kit(app[SETTINGS], app[DB], app[BUS], app[METRICS], app.get(RPC), app.get(STORE))
        async with build(kit) as deps:
            app[DEPS] = deps
            yield

    return dependencies


def _revocations(spec: ServiceSpec) -> CleanupContext:
    """The replica's revocation feed; it registers on the bus before the bus connects."""

    async def revocations(app: web.Application) -> AsyncIterator[None]:
        kit = Kit(app[SETTINGS], app[DB], app[BUS], app[METRICS], app.get(RPC), app.get(STORE))
        if spec.catch_up is not None:
            catch_up = spec.catch_up(kit)
        else:
            assert kit.rpc is not None
            catch_up = asking_identity(kit.rpc)
        app[FEED] = RevocationFeed(app[BUS], app[DENY], catch_up)
        yield
        await app[FEED].stop()

    return revocations


async def _caught_up(app: web.Application) -> AsyncIterator[None]:
    """Start serving once the revocations of the last token lifetime are known; if they cannot
    be had in time, serve as not ready (tokens answered 503) while the feed keeps trying."""
    if not await app[FEED].wait_current(30):
        log.error("revocations not caught up; serving as not ready and retrying")
    yield


def _consuming(spec: ServiceSpec) -> CleanupContext:
    """Consumers and the RPC server start once the dependencies they are handed exist, and stop
    (finishing what is in flight) before those close."""

    async def consuming(app: web.Application) -> AsyncIterator[None]:
        settings, bus, db, metrics = app[SETTINGS], app[BUS], app[DB], app[METRICS]
        deps = app[DEPS]
        consumers = _consumers(spec, settings, bus, db, deps, metrics)
        rpc = {kind: _given(handler, deps) for kind, handler in spec.rpc.items()}
        server = (
            RpcServer(bus=bus, db=db, service=spec.name, handlers=rpc, metrics=metrics)
            if rpc
            else None
        )
        relay = OutboxRelay(db, bus, settings.dsn, metrics=metrics)
        await _connect(bus)
        await relay.start()
        yield
        await relay.stop()
        await asyncio.gather(*(c.stop(settings.shutdown_timeout_seconds) for c in consumers))
        if server:
            await server.stop()

    return consuming


def _given(handler: Any, deps: Any) -> Any:
    """The handler with the service's dependencies bound as `deps`."""
    if isinstance(handler, Batched):
        return Batched(partial(handler.handler, deps=deps))
    return partial(handler, deps=deps)


async def _connect(bus: Bus) -> None:
    try:
        await bus.start(wait=30)
    except ConnectionError:
        log.error("message broker unreachable; serving as not ready and retrying")


def _consumers(
    spec: ServiceSpec,
    settings: ServiceSettings,
    bus: Bus,
    db: Database,
    deps: Any,
    metrics: Metrics,
) -> list[Consumer]:
    events: dict[type[Message], Handler] = {k: _given(h, deps) for k, h in spec.events.items()}
    commands: dict[type[Message], Handler] = {k: _given(h, deps) for k, h in spec.commands.items()}
    tables: list[tuple[str, str, Mapping[type[Message], Handler], list[str]]] = [
        ("events", bus.names.events, events, [m.type for m in spec.events]),
        ("commands", bus.names.commands, commands, [spec.name]),
    ]
    return [
        Consumer(
            bus=bus,
            db=db,
            queue=bus.names.queue(spec.name, purpose),
            exchange=exchange,
            routing_keys=keys,
            handlers=handlers,
            prefetch=settings.bus_prefetch,
            delivery_limit=settings.bus_delivery_limit,
            retry_base=settings.bus_retry_base_seconds,
            retry_cap=settings.bus_retry_max_seconds,
            metrics=metrics,
        )
        for purpose, exchange, handlers, keys in tables
        if handlers
    ]


async def _store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert isinstance(settings, S3Settings)
    store = ObjectStore(settings)
    await store.ensure_bucket()
    app[STORE] = store
    yield
    store.close()


def _jobs(spec: ServiceSpec) -> CleanupContext:
    async def jobs(app: web.Application) -> AsyncIterator[None]:
        scheduler = Scheduler([_housekeeping(app[DB]), *spec.jobs(app[DEPS])])
        await scheduler.start()
        yield
        await scheduler.stop()

    return jobs


def _housekeeping(db: Database) -> Periodic:
    async def forget_old_rows() -> None:
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM inbox WHERE received_at < now() - interval '30 days'")
            await conn.execute(
                "DELETE FROM rpc_replies WHERE created_at < now() - interval '7 days'"
            )
            await delete_expired(conn)

    return Periodic("kit-housekeeping", 3600, forget_old_rows)


async def _key_cache(app: web.Application) -> AsyncIterator[None]:
    yield
    keys = app[VERIFIER].keys
    if isinstance(keys, JwksKeys):
        await keys.close()


async def _metrics(request: web.Request) -> web.Response:
    """The service's metrics; the outbox's are read from the database at each scrape."""
    metrics = request.app[METRICS]
    with suppress(*CONNECTION_LOST, TimeoutError):
        await asyncio.wait_for(outbox_backlog(request.app[DB], metrics), 2.0)
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


def _system_api(spec: ServiceSpec) -> Api:
    """The kit's own routes; like every route they are handed `deps`, which they do not need."""
    api = Api("system")

    @api.get("/healthz", summary="The process is alive", access="public", response=Health)
    async def healthz(request: web.Request, *, deps: object = None) -> Health:
        return Health(status="ok")

    @api.get(
        "/readyz",
        summary="Database, broker (and S3 where used) answer",
        access="public",
        response=Health,
        errors=(503,),
    )
    async def readyz(request: web.Request, *, deps: object = None) -> web.Response:
        checks = await _readiness(request.app)
        ready = all(v == "ok" for v in checks.values())
        body = Health(status="ready" if ready else "not ready", checks=checks)
        return web.json_response(text=body.model_dump_json(), status=200 if ready else 503)

    @api.get("/openapi.json", summary="This service's OpenAPI 3.1 document", access="public")
    async def openapi(request: web.Request, *, deps: object = None) -> web.Response:
        routes = [route for a in (api, *spec.apis) for route in a.routes]
        return web.json_response(openapi_document(spec.title, spec.description, routes))

    return api


async def _readiness(app: web.Application) -> dict[str, str]:
    async def bus_ping() -> None:
        if not app[BUS].connected:
            raise ConnectionError("not connected")

    async def revocations_known() -> None:
        if not app[DENY].current:
            raise ConnectionError("catching up on revocations")

    probes: dict[str, Any] = {
        "database": app[DB].ping,
        "broker": bus_ping,
        "revocations": revocations_known,
    }
    if STORE in app:
        probes["s3"] = app[STORE].ping
    results = await asyncio.gather(
        *(asyncio.wait_for(probe(), 2.0) for probe in probes.values()), return_exceptions=True
    )
    return {
        name: "ok" if not isinstance(result, BaseException) else f"failing: {result!r}"[:200]
        for name, result in zip(probes, results, strict=True)
    }


def run(create_app: Callable[[Any], web.Application], settings: ServiceSettings) -> None:
    """Start one service process; SIGTERM/SIGINT stop it gracefully.

    `python -m services.<name> migrate` applies the service's migrations and exits (the
    deployment's migration Job); `migrate --wait` waits until they have been applied (the
    pods' init container)."""
    configure_logging(settings.service, settings.log_level)
    setup_tracing(settings.service, settings.otel_exporter, settings.trace_sample_ratio)
    app = create_app(settings)
    if sys.argv[1:2] == ["migrate"]:
        asyncio.run(_migrations_only(settings.dsn, app[MIGRATIONS], wait="--wait" in sys.argv))
        return
    # What is loaded by now (libraries, schemas, routes) lives as long as the process. Frozen,
    # it is left out of the collector's full passes, each of which otherwise walks it all and
    # stops the process for 20-30 ms: the tail of every latency.
    gc.collect()
    gc.freeze()
    web.run_app(
        app,
        host=settings.http_host,
        port=settings.port,
        shutdown_timeout=settings.shutdown_timeout_seconds,
        access_log=None,
        print=None,
    )


async def _migrations_only(dsn: str, tracks: list[tuple[str, Path]], *, wait: bool) -> None:
    if wait:
        await await_migrations(dsn, tracks, timeout=None)
        return
    applied = await migrate(dsn, tracks)
    log.info("migrations applied: %s", ", ".join(applied) or "none pending")
