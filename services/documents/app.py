"""Composition root of the documents service: its spec and its one dependencies object."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from services.documents.api import APIS
from services.documents.billing import Billing
from services.documents.consumers import EVENT_HANDLERS, RPC_HANDLERS
from services.documents.copying import Copies
from services.documents.jobs import document_jobs
from services.documents.settings import DocumentsSettings
from shared.bus import Bus
from shared.database import Database
from shared.metrics import Metrics
from shared.service import Kit, ServiceSpec, build_app
from shared.storage import ObjectStore


@dataclass(frozen=True)
class DocumentsDeps:
    """Everything routes, handlers and jobs use, built once at start."""

    settings: DocumentsSettings
    db: Database
    bus: Bus
    store: ObjectStore
    billing: Billing
    copies: Copies
    metrics: Metrics


@asynccontextmanager
async def dependencies(kit: Kit) -> AsyncIterator[DocumentsDeps]:
    assert isinstance(kit.settings, DocumentsSettings)
    assert kit.store is not None
    assert kit.rpc is not None
    copies = Copies()
    try:
        yield DocumentsDeps(
            kit.settings, kit.db, kit.bus, kit.store, Billing(kit.rpc), copies, kit.metrics
        )
    finally:
        await copies.close()


SPEC = ServiceSpec(
    name="documents",
    title="Documents service",
    description=(
        "Folders with customer access rules, documents and versions in S3, comments and "
        "approvals. Anything the caller may not see answers 404."
    ),
    apis=APIS,
    migrations=Path(__file__).parent / "migrations",
    events=EVENT_HANDLERS,
    rpc=RPC_HANDLERS,
    jobs=document_jobs,
    uses_s3=True,
    calls_rpc=True,
    dependencies=dependencies,
)


def create_app(settings: DocumentsSettings) -> web.Application:
    return build_app(settings, SPEC)
