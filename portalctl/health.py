"""Every service's readiness (`/readyz`) and versions (`portal_build_info` and
`portal_schema_version` on `/metrics`)."""

import asyncio
from dataclasses import dataclass, field

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from portalctl.targets import SERVICES, url_of


@dataclass(frozen=True)
class Health:
    service: str
    url: str
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)
    version: str = ""
    schema: dict[str, int] = field(default_factory=dict)


async def check_all(timeout: float = 5.0) -> list[Health]:
    limit = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(timeout=limit) as http:
        return list(await asyncio.gather(*(_check(http, service) for service in SERVICES)))


async def _check(http: aiohttp.ClientSession, service: str) -> Health:
    url = url_of(service)
    try:
        async with http.get(f"{url}/readyz") as response:
            readiness = await response.json(content_type=None)
            ready = response.status == 200
        async with http.get(f"{url}/metrics") as response:
            exposition = await response.text()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return Health(service, url, False, {"http": f"unreachable: {exc!r}"[:200]})
    version, schema = _versions(exposition)
    return Health(service, url, ready, readiness.get("checks", {}), version, schema)


def _versions(exposition: str) -> tuple[str, dict[str, int]]:
    version, schema = "", {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == "portal_build_info":
                version = sample.labels["version"]
            elif sample.name == "portal_schema_version":
                schema[sample.labels["track"]] = int(sample.value)
    return version, schema
