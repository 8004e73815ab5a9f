"""How soon a sign-out reaches every replica: `python -m bench.revocation [--rounds N]`.

Starts the platform as deployed (tests/support/processes.py: two processes of each of the
five services behind the gateway, against the machine's PostgreSQL and RabbitMQ, S3 and a mail
catcher started here), signs a firm's owner up, then for each round signs in, signs out, and
polls every one of the ten replicas on its own port until each refuses the old token. The
figure is the time from the sign-out's answer to the last replica refusing (each request timed
when it was sent). Baseline, same run: one probe round (every replica asked once with a valid
token), the resolution of that polling. Goal (ARCHITECTURE §4): within a second.
Last line: one JSON object.
"""

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from deploy.local.s3 import S3Server
from tests.e2e import journeys as j
from tests.support.infra import Postgres, Rabbit
from tests.support.probes import WITHIN, accepted_everywhere, refused_everywhere
from tests.support.processes import Platform, running_platform
from tests.web.portal import Portal


@asynccontextmanager
async def platform() -> AsyncIterator[Platform]:
    postgres, rabbit = Postgres(), Rabbit.create()
    with tempfile.TemporaryDirectory(prefix="bench-revocation-") as work:
        Path(work).chmod(0o755)  # noqa: ASYNC240 (once) nginx's workers reach the prefix below
        s3 = S3Server.start(Path(work) / "s3", access_key="bench-access",
                            secret_key="bench-secret-key", log=Path(work) / "s3.log")  # fmt: skip
        try:
            async with running_platform(postgres, rabbit, s3, Path(work)) as running:
                yield running
        finally:
            s3.stop()
            rabbit.delete()
            await postgres.drop_all()


async def probe_round(running: Platform, http: aiohttp.ClientSession, token: str) -> float:
    started = time.perf_counter()
    await accepted_everywhere(running, http, token)
    return time.perf_counter() - started


async def main(rounds: int) -> dict[str, Any]:
    async with platform() as running, aiohttp.ClientSession() as http:
        portal = Portal(running.url, running.mail, http, running.replicas["identity"][0].log.parent)
        bureau = await j.sign_up(portal)
        baseline, latencies = [], []
        for _ in range(rounds):
            token = await j.sign_in(portal, bureau.owner_email)
            baseline.append(await probe_round(running, http, token))
            await portal.call("POST", "/api/v1/auth/sign-out", token, expect=204)
            # Measured past the goal too: the figure is what counts here.
            latencies.append(await refused_everywhere(running, http, token, within=30))
    return {
        "bench": "revocation",
        "replicas": sum(len(group) for group in running.replicas.values()),
        "rounds": rounds,
        "last_replica_refuses_ms_median": ms(statistics.median(latencies)),
        "last_replica_refuses_ms_min": ms(min(latencies)),
        "last_replica_refuses_ms_max": ms(max(latencies)),
        "probe_round_ms_median": ms(statistics.median(baseline)),
        "goal_ms": ms(WITHIN),
    }


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    print(json.dumps(asyncio.run(main(parser.parse_args().rounds))))
