"""The commands: each parses its arguments, runs one operation and prints what came of it.

Typer rather than click directly: commands are typed functions like the rest of the code, and
typer brings rich's formatting of help and errors. Exit status 1 means "not done" (a service
not ready, a queue that does not exist), 2 a wrong argument.
"""

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from portalctl import audit, databases, dead_letters, events, firms, health, keys
from portalctl.targets import UnknownService, chosen
from shared.errors import DomainError

T = TypeVar("T")

app = typer.Typer(help="Operate the client portal: migrations, outbox, DLQs, keys, firms.")
outbox = typer.Typer(help="The services' transactional outboxes.")
dlq = typer.Typer(help="Dead-letter queues.")
keys_app = typer.Typer(help="Identity's token signing keys.")
firm = typer.Typer(help="Firms (tenants).")
app.add_typer(outbox, name="outbox")
app.add_typer(dlq, name="dlq")
app.add_typer(keys_app, name="keys")
app.add_typer(firm, name="firm")
audit_app = typer.Typer(help="Firms' audit logs (notify's database).")
app.add_typer(audit_app, name="audit")
events_app = typer.Typer(help="The events archive (a RabbitMQ stream of every public event).")
app.add_typer(events_app, name="events")

console = Console()
Service = Annotated[str | None, typer.Argument(help="One service; all five if left out.")]
TIMES = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


def _run(work: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(work)


def _services(service: str | None) -> list[str]:
    try:
        return chosen(service)
    except UnknownService as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def migrate(service: Service = None) -> None:
    """Apply each service's new migrations (what it would apply at start)."""
    for name in _services(service):
        done = _run(databases.migrate_service(name))
        console.print(f"{name}: " + (", ".join(done.applied) if done.applied else "up to date"))


@outbox.command("lag")
def outbox_lag(service: Service = None) -> None:
    """Messages waiting in each outbox and the age of the oldest."""
    table = Table("service", "pending", "oldest (s)")
    for name in _services(service):
        found = _run(databases.outbox_backlog_of(name))
        table.add_row(name, str(found.pending), f"{found.oldest_seconds:.1f}")
    console.print(table)


@dlq.command("list")
def dlq_list() -> None:
    """Every consumed queue: messages ready, consumers, and messages in its DLQ."""
    table = Table("queue", "ready", "consumers", "dead letters")
    for depth in _run(dead_letters.depths()):
        cells = (depth.ready, depth.consumers, depth.dead)
        table.add_row(depth.queue, *("missing" if c is None else str(c) for c in cells))
    console.print(table)


@dlq.command("redrive")
def dlq_redrive(
    queue: Annotated[str, typer.Argument(help="The work queue, as `dlq list` names it.")],
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
) -> None:
    """Send the messages of QUEUE's DLQ back to QUEUE, to be handled again."""
    columns = (TextColumn("re-driving"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("redrive", total=limit)
        try:
            moved = _run(
                dead_letters.redrive(queue, limit, lambda n: progress.update(task, completed=n))
            )
        except dead_letters.NoSuchQueue as exc:
            console.print(str(exc))
            raise typer.Exit(1) from None
    console.print(f"{moved} message(s) sent back to {queue.removesuffix('.dlq')}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Start a new signing key now; the old one keeps verifying for its grace period."""
    table = Table("kid", "state")
    for key in _run(keys.rotate_keys()):
        state = (
            "signs (new)"
            if key.verifies_until is None
            else f"retired {key.retired_at:%Y-%m-%d %H:%M:%S}, verifies until "
            f"{key.verifies_until:%Y-%m-%d %H:%M:%S} UTC"
        )
        table.add_row(key.kid, state)
    console.print(table)


@firm.command("create")
def firm_create(
    name: Annotated[str, typer.Option(help="The firm's name.")],
    owner_name: Annotated[str, typer.Option(help="The owner's full name.")],
    owner_email: Annotated[str, typer.Option(help="Where the owner's invitation goes.")],
    country: Annotated[str, typer.Option(help="ISO 3166 code.")] = "SE",
    plan: Annotated[str, typer.Option(help="partner or bureau.")] = "partner",
    language: Annotated[
        str | None, typer.Option(help="sv, en, de, es (default by country).")
    ] = None,
) -> None:
    """Open a firm without the public sign-up; its owner is invited by mail."""
    try:
        opened = _run(firms.create_firm(name, country, plan, language, owner_name, owner_email))
    except (ValueError, DomainError) as exc:  # pydantic's ValidationError, the domain's Invalid
        raise typer.BadParameter(str(exc)) from None
    console.print(f"firm {opened.firm_id} opened; owner {opened.owner_id} invited")


@audit_app.command("verify")
def audit_verify(
    firm_id: Annotated[UUID, typer.Option("--firm", help="The firm's id.")],
) -> None:
    """Check a firm's hash chain; exit status 1 and the first broken link if it does not hold."""
    found = _run(audit.verify_firm(firm_id))
    if found.broken is None:
        console.print(f"audit log of {firm_id}: {found.entries} entries, chain intact")
        return
    console.print(
        f"audit log of {firm_id}: BROKEN at entry {found.broken.seq}: {found.broken.reason} "
        f"({found.entries} entries checked, head {found.head})"
    )
    raise typer.Exit(1)


def _aware(value: datetime) -> datetime:
    """A time given without a zone is UTC, as every time on the bus is."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@events_app.command("replay")
def events_replay(
    event_type: Annotated[str, typer.Option("--type", help="One event type, e.g. "
                                            "documents.document.uploaded.")],
    since: Annotated[datetime, typer.Option(help="From this time (ISO 8601; UTC if no zone).",
                                            formats=TIMES)],
    until: Annotated[datetime, typer.Option(help="Up to this time, inclusive.", formats=TIMES)],
    into: Annotated[str, typer.Option(help="The queue to deliver into; declared if missing.")],
    lateness: Annotated[float, typer.Option(min=0, help="Seconds an event may be published "
                                            "after it occurred (read that much further).")] = 30.0,
    idle: Annotated[float, typer.Option(min=0.1, help="Seconds without a message that mean "
                                        "the stream's end.")] = 3.0,
) -> None:  # fmt: skip
    """Deliver the archived events of one type that occurred in [SINCE, UNTIL] into a queue."""
    window = events.Window(event_type, _aware(since), _aware(until), timedelta(seconds=lateness))
    if window.until < window.since:
        raise typer.BadParameter("--until is before --since")
    try:
        done = _run(events.replay(window, into, idle=idle, progress=lambda n: None))
    except events.NoArchive as exc:
        console.print(str(exc))
        raise typer.Exit(1) from None
    console.print(f"{done.delivered} event(s) of {event_type} replayed into {into} "
                  f"({done.read} read from the archive)")  # fmt: skip


@app.command()
def check() -> None:
    """Every service's readiness and versions; exit status 1 unless all are ready."""
    table = Table("service", "ready", "version", "schema", "checks")
    found = _run(health.check_all())
    for service in found:
        schema = ", ".join(f"{track} {v}" for track, v in sorted(service.schema.items()))
        checks = ", ".join(f"{k}: {v}" for k, v in service.checks.items())
        table.add_row(service.service, "yes" if service.ready else "NO", service.version,
                      schema, checks)  # fmt: skip
    console.print(table)
    if not all(service.ready for service in found):
        raise typer.Exit(1)
