"""What this service's handlers use, built once per app after the kit's own resources.

RPC handlers receive only (conn, request, envelope), so they reach these through a `Holder`
filled when the app starts; a request that arrives before that waits for it.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from services.documents.objects import Objects
from services.documents.settings import DocumentsSettings
from services.documents.storage import Storage
from shared.database import Database
from shared.service import DB, RPC, SETTINGS, STORE


@dataclass(frozen=True)
class Deps:
    db: Database
    objects: Objects
    storage: Storage
    settings: DocumentsSettings


DEPS = web.AppKey("documents_deps", Deps)


class Holder:
    def __init__(self) -> None:
        self._deps: Deps | None = None
        self._ready = asyncio.Event()

    async def get(self) -> Deps:
        await self._ready.wait()
        assert self._deps is not None
        return self._deps

    async def fill(self, app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        assert isinstance(settings, DocumentsSettings)
        deps = Deps(app[DB], Objects(app[STORE]), Storage(app[RPC]), settings)
        app[DEPS] = deps
        self._deps = deps
        self._ready.set()
        yield
