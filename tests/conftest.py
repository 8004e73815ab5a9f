"""Fixtures over real servers: every run gets its own vhost, every test its own databases and
bus namespace, so order never matters and nothing is shared."""

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port
from deploy.local.s3 import S3Server
from shared.bus import BusNames
from tests.support.bankid import BankIdServer, Pki, make_pki
from tests.support.capture import Capture, capture
from tests.support.infra import Postgres, Rabbit
from tests.support.names import unique
from tests.support.processes import Platform, running_platform
from tests.support.revocations import HeardRevocations, answering_catch_up
from tests.support.services import Environment, drop_buckets
from tests.support.tokens import JwksServer


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="portal-tests-") as path:
        # Reachable by nginx's workers, whose gateway prefixes live below (processes.py).
        Path(path).chmod(0o755)
        yield Path(path)


@pytest.fixture(scope="session")
async def postgres() -> AsyncIterator[Postgres]:
    admin = Postgres()
    yield admin
    await admin.drop_all()


@pytest.fixture(scope="session")
def rabbit() -> Iterator[Rabbit]:
    broker = Rabbit.create()
    yield broker
    broker.delete()


@pytest.fixture(scope="session")
def s3(workdir: Path) -> Iterator[S3Server]:
    server = S3Server.start(
        workdir / "s3",
        access_key="test-access",
        secret_key="test-secret-key",
        log=workdir / "s3.log",
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp() -> Iterator[MailCatcher]:
    catcher = MailCatcher(free_port())
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture(scope="session")
async def jwks() -> AsyncIterator[JwksServer]:
    server = JwksServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def bankid_pki(workdir: Path) -> Pki:
    return make_pki(workdir / "bankid")


@pytest.fixture
async def bankid(bankid_pki: Pki) -> AsyncIterator[BankIdServer]:
    """A BankID RP API v6 stand-in of this test's own (tests/support/bankid.py)."""
    server = BankIdServer(bankid_pki)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def namespace(rabbit: Rabbit) -> AsyncIterator[str]:
    name = unique("ns") + "."
    yield name
    await rabbit.drop_queues(name)


@pytest.fixture
async def database(postgres: Postgres) -> str:
    return await postgres.create_database()


@pytest.fixture
async def revocations(rabbit: Rabbit, namespace: str) -> AsyncIterator[HeardRevocations]:
    """Identity's answer to the services' revocation catch-up, for tests without identity
    (tests/support/revocations.py)."""
    async with answering_catch_up(rabbit.url, BusNames(namespace)) as heard:
        yield heard


@pytest.fixture
async def env(
    postgres: Postgres, rabbit: Rabbit, s3: S3Server, jwks: JwksServer, namespace: str,
    revocations: HeardRevocations,
) -> AsyncIterator[Environment]:  # fmt: skip
    environment = Environment(
        amqp_url=rabbit.url,
        namespace=namespace,
        jwks_url=jwks.url,
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        new_database=postgres.create_database,
    )
    yield environment
    await asyncio.to_thread(drop_buckets, s3.client(), environment.bucket_prefix)


@pytest.fixture
async def captured(env: Environment) -> AsyncIterator[Capture]:
    """Every event and every command to notify of this test's namespace."""
    async with capture(env.amqp_url, BusNames(env.namespace)) as found:
        yield found


@pytest.fixture(scope="module")
async def platform(
    postgres: Postgres, rabbit: Rabbit, s3: S3Server, workdir: Path
) -> AsyncIterator[Platform]:
    """The platform as deployed (tests/support/processes.py): every service as two processes
    behind the real gateway. One per module; each test makes its own firm."""
    async with running_platform(postgres, rabbit, s3, workdir) as running:
        yield running
