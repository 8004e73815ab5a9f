"""Composition root of the signing service."""

from pathlib import Path

from aiohttp import web

from services.signing.api import api
from services.signing.certificates import sealer_resource
from services.signing.consumers import HANDLERS
from services.signing.eid import eid_resource
from services.signing.files import http_client
from services.signing.jobs import signing_jobs
from services.signing.personal_numbers import personal_numbers_resource
from services.signing.settings import SigningSettings
from shared.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="signing",
    title="Signing service",
    description="e-signing of PDFs with parties, order, methods, evidence and sealed PDFs.",
    apis=[api],
    migrations=Path(__file__).parent / "migrations",
    events=HANDLERS,
    jobs=signing_jobs,
    resources=[sealer_resource, http_client, eid_resource, personal_numbers_resource],
    uses_s3=True,
    calls_rpc=True,
)


def create_app(settings: SigningSettings) -> web.Application:
    return build_app(settings, SPEC)
