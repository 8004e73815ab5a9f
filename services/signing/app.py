"""Composition root of the signing service: its spec, and its one dependencies object."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from services.signing import files, hsm, personal_numbers
from services.signing.api import APIS
from services.signing.billing import BillingClient
from services.signing.certificates import Sealer, load_sealer
from services.signing.consumers import HANDLERS
from services.signing.documents import DocumentsClient
from services.signing.jobs import signing_jobs
from services.signing.personal_numbers import PersonalNumbers
from services.signing.settings import SigningSettings
from shared.bus import Bus, Retry
from shared.database import Database
from shared.eid import EidProvider, make_eid_provider
from shared.service import Kit, ServiceSpec, build_app
from shared.storage import ObjectStore


@dataclass(frozen=True)
class SigningDeps:
    """Everything signing's routes, handlers and jobs use, built once at start. `eid` is None
    when eID is off (`SIGNING_EID_PROVIDER=none`): the party's eID routes then say so."""

    settings: SigningSettings
    db: Database
    bus: Bus
    store: ObjectStore
    billing: BillingClient
    documents: DocumentsClient
    sealer: Sealer
    eid: EidProvider | None
    numbers: PersonalNumbers
    http: aiohttp.ClientSession


@asynccontextmanager
async def signing_dependencies(kit: Kit) -> AsyncIterator[SigningDeps]:
    settings = kit.settings
    assert isinstance(settings, SigningSettings)
    assert kit.rpc is not None
    assert kit.store is not None
    numbers = PersonalNumbers(settings.personal_number_key)
    # Numbers an older replica wrote in plain are sealed before this one serves.
    await personal_numbers.seal_plain(kit.db, numbers)
    retry = Retry(attempts=settings.rpc_attempts, timeout=settings.rpc_timeout_seconds)
    eid = make_eid_provider(settings, settings.eid_local_secret)  # stateless: any replica collects
    sealer = load_sealer(settings)
    async with files.http_session() as http:
        try:
            yield SigningDeps(
                settings=settings, db=kit.db, bus=kit.bus, store=kit.store,
                billing=BillingClient(kit.rpc, retry), documents=DocumentsClient(kit.rpc, retry),
                sealer=sealer, eid=eid, numbers=numbers, http=http,
            )  # fmt: skip
        finally:
            hsm.close(sealer.signer)
            if eid is not None:
                await eid.close()


SPEC = ServiceSpec(
    name="signing",
    title="Signing service",
    description="e-signing of PDFs with parties, order, methods, evidence and sealed PDFs.",
    apis=APIS,
    migrations=Path(__file__).parent / "migrations",
    events=HANDLERS,
    jobs=signing_jobs,
    dependencies=signing_dependencies,
    uses_s3=True,
    calls_rpc=True,
)


def create_app(settings: SigningSettings) -> web.Application:
    return build_app(settings, SPEC)
