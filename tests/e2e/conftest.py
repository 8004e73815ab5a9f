"""The journeys' client: the platform's gateway (tests/support/processes.py), called as a web
or mobile client would, with the mails the platform sent."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.processes import Platform
from tests.web.portal import Portal


@pytest.fixture
async def portal(platform: Platform) -> AsyncIterator[Portal]:
    async with aiohttp.ClientSession() as http:
        yield Portal(platform.url, platform.mail, http, platform.replicas["identity"][0].log.parent)
