"""Composition root of the documents service."""

from aiohttp import web

from services.documents.settings import DocumentsSettings
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="documents",
    title="Documents service",
    description=(
        "folders with customer access rules, documents and versions in S3, comments and approvals."
    ),
    uses_s3=True,
    calls_rpc=True,
)


def create_app(settings: DocumentsSettings) -> web.Application:
    return build_app(settings, SPEC)
