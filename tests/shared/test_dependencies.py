"""The one way code gets its dependencies: a service names one typed object, built once at
start from the kit's parts, and every route, event handler, RPC handler and job receives it as
`deps`. Real PostgreSQL and RabbitMQ; the kit's rules of who sees what as plain functions."""

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from aiohttp import web
from pydantic import BaseModel

from shared.auth import Principal, staff_sees_client
from shared.bus import Bus, put
from shared.database import Connection, Database
from shared.events.base import Envelope, MissingFirm
from shared.events.identity import ClientArchived
from shared.http import Api
from shared.jobs import Periodic
from shared.service import Kit, ServiceSpec, build_app
from shared.settings import ServiceSettings
from tests.support.infra import wait_until
from tests.support.services import Environment, serve


class ProbeSettings(ServiceSettings):
    service: ClassVar[str] = "identity"  # any service name the kit knows ports for


@dataclass
class ProbeDeps:
    """The typed dependencies object of a tiny service, recording what reached it."""

    settings: ProbeSettings
    db: Database
    bus: Bus
    seen: list[str] = field(default_factory=list)
    closed: bool = False


built: list[ProbeDeps] = []


@asynccontextmanager
async def probe_dependencies(kit: Kit) -> AsyncIterator[ProbeDeps]:
    assert isinstance(kit.settings, ProbeSettings)
    deps = ProbeDeps(kit.settings, kit.db, kit.bus)
    built.append(deps)
    yield deps
    deps.closed = True


api = Api("probe")


class Seen(BaseModel):
    same: bool
    seen: list[str]


@api.post("/archive", summary="Publish an event through the outbox", access="public", status=204)
async def archive(request: web.Request, *, deps: ProbeDeps) -> None:
    async with deps.db.transaction() as conn:
        event = ClientArchived(client_id=uuid.uuid4())
        await put(conn, event, firm_id=uuid.uuid4(), actor=None)


@api.get("/seen", summary="What reached the dependencies", access="public", response=Seen)
async def seen(request: web.Request, *, deps: ProbeDeps) -> Seen:
    return Seen(same=deps is built[-1], seen=deps.seen)


async def archived(
    conn: Connection, event: ClientArchived, envelope: Envelope, *, deps: ProbeDeps
) -> None:
    deps.seen.append(f"event {envelope.require_firm() is not None}")


def probe_jobs(deps: ProbeDeps) -> Sequence[Periodic]:
    async def tick() -> None:
        deps.seen.append("job")

    return [Periodic("probe-tick", 0.05, tick)]


SPEC = ServiceSpec(
    name="probe",
    title="Probe",
    description="A service of one route, one handler and one job.",
    apis=[api],
    events={ClientArchived: archived},
    jobs=probe_jobs,
    dependencies=probe_dependencies,
)


async def test_routes_handlers_and_jobs_receive_the_one_dependencies_object(
    env: Environment,
) -> None:
    settings = await env.settings(ProbeSettings)
    async with serve(build_app(settings, SPEC)) as running:
        async with running.http.post("/archive") as answer:
            assert answer.status == 204

        async def both() -> bool:
            async with running.http.get("/seen") as answer:
                body = await answer.json()
            return body["same"] and "event True" in body["seen"] and "job" in body["seen"]

        await wait_until(both)
        for system in ("/healthz", "/readyz", "/openapi.json"):
            async with running.http.get(system) as answer:
                assert answer.status == 200, system
        deps = built[-1]
        assert not deps.closed
    assert deps.closed


def test_the_rule_of_which_staff_see_a_client() -> None:
    assert staff_sees_client("owner", assigned=False)
    assert staff_sees_client("admin", assigned=False)
    assert staff_sees_client("member", assigned=True)
    assert not staff_sees_client("member", assigned=False)
    assert not staff_sees_client(None, assigned=True)


def test_owners_and_admins_see_every_client_contacts_none() -> None:
    def principal(kind: str, role: str | None) -> Principal:
        return Principal(uuid.uuid4(), uuid.uuid4(), kind, role, None, "t")  # type: ignore[arg-type]

    assert principal("staff", "owner").sees_every_client
    assert principal("staff", "admin").sees_every_client
    assert not principal("staff", "member").sees_every_client
    assert not principal("contact", None).sees_every_client


def test_a_message_that_must_name_a_firm_and_does_not_is_refused() -> None:
    envelope = Envelope.wrap(ClientArchived(client_id=uuid.uuid4()), firm_id=None, actor=None)
    with pytest.raises(MissingFirm):
        envelope.require_firm()
    firm = uuid.uuid4()
    named = Envelope.wrap(ClientArchived(client_id=uuid.uuid4()), firm_id=firm, actor=None)
    assert named.require_firm() == firm
