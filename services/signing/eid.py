"""Signing's eID: the kit's provider (shared/eid), chosen by the `SIGNING_EID_*` settings.

A party starts an order that names their personal number as its requirement, confirms it in
their eID app, and signing collects the result: the personal number the provider vouches for
must be the party's. Personal numbers are never logged.
"""

from collections.abc import AsyncIterator

from aiohttp import web

from services.signing.settings import SigningSettings
from shared.eid import EidProvider, make_eid_provider
from shared.service import SETTINGS

EID = web.AppKey("eid", EidProvider)


async def eid_resource(app: web.Application) -> AsyncIterator[None]:
    """No provider under `EID` when eID is off (`none`): the party's eID routes say so."""
    settings = app[SETTINGS]
    assert isinstance(settings, SigningSettings)
    provider = make_eid_provider(settings, settings.eid_local_secret)
    if provider is None:
        yield
        return
    app[EID] = provider
    yield
    await provider.close()
