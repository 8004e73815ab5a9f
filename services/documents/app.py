"""Composition root of the documents service."""

from pathlib import Path

from aiohttp import web

from services.documents.api import APIS
from services.documents.consumers import EVENT_HANDLERS, rpc_handlers
from services.documents.jobs import document_jobs
from services.documents.resources import DEPS, Holder
from services.documents.settings import DocumentsSettings
from shared.service import ServiceSpec, build_app


def spec(holder: Holder) -> ServiceSpec:
    return ServiceSpec(
        name="documents",
        title="Documents service",
        description=(
            "Folders with customer access rules, documents and versions in S3, comments and "
            "approvals. Anything the caller may not see answers 404."
        ),
        apis=APIS,
        migrations=Path(__file__).parent / "migrations",
        events=EVENT_HANDLERS,
        rpc=rpc_handlers(holder),
        jobs=lambda app: document_jobs(app[DEPS]),
        resources=[holder.fill],
        uses_s3=True,
        calls_rpc=True,
    )


def create_app(settings: DocumentsSettings) -> web.Application:
    return build_app(settings, spec(Holder()))
