"""Whole-platform load benchmark: `python -m bench.load` (issue 15).

Starts the platform as deployed, as the fault tests do (tests/support/processes.py: each
service two processes of its own behind the nginx gateway, on the machine's PostgreSQL and
RabbitMQ, with a SeaweedFS and an SMTP catcher of its own), makes a firm through the public API
(tests/e2e/journeys.py: sign-up by mail, a client whose contacts register from their
invitations, folders, credits bought through billing's purchase API), and drives it with Locust
(bench/load_users.py, a process of its own per step): customers sign in, list folders and a
folder's documents, download, upload 1 MB and comment; staff list clients, upload 1 MB and send
a PDF for signing.

Measured, in the same run:
- at each level of concurrent users (10, 50, 200): requests per second, p50/p99 per kind of
  request and the errors (every status a kind does not expect, by kind and status), through
  the gateway and then the same mix straight to the services' own ports (each kind to the
  replicas of the service the gateway would route it to, in turn): gateway ratio = throughput
  via gateway / direct (goal ≥ 0.85);
- p99 as the listed folder grows (10, 1,000 and 10,000 documents), through the gateway.

The users do not pause between requests (closed loop: `--think` adds a pause), so throughput
is what the machine gives. The load generator runs on the same machine and shares its cores
with the platform (the output says how much of a core it took). The gateway's rate limit on
sign-in routes is the tests' (tests/deploy/gateway.TESTS_AUTH_RATE, 1000 r/s), as every user
signs in from this one address. Durations, levels and sizes are flags (or BENCH_LOAD_*
variables). Last line: one JSON object.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp
import asyncpg

from bench.load_scenario import KINDS, KindStats, Office, Person, Plan, gateway_ratio, shape_step
from bench.load_scenario import summary as summarise
from deploy.local.s3 import S3Server
from tests.deploy.gateway import TESTS_AUTH_RATE, choose
from tests.e2e import journeys as j
from tests.support.infra import Postgres, Rabbit
from tests.support.processes import REPLICAS, SETTINGS, Platform, running_platform
from tests.web.portal import PASSWORD, Portal

MB = 10**6
GB = 10**9
# As deployed: each process's own default pool (the harness keeps 3 so that parallel tests
# fit PostgreSQL's connections) and the plans' real storage (the harness shrinks it to 1-5 MB
# so that journey 7 reaches its limit with a few uploads).
OVERRIDES: dict[str, dict[str, Any]] = {
    name: {"database_pool_min": 2, "database_pool_max": 10} for name in SETTINGS
}
OVERRIDES["billing"] |= {"plan_included_bytes": {"partner": 1 * GB, "bureau": 5 * GB}}
SEED_CONCURRENCY = 16


# flag → (type, default, help); each default can be set by BENCH_LOAD_<FLAG> too.
FLAGS: dict[str, tuple[type, str, str]] = {
    "levels": (str, "10,50,200", "concurrent users of each level, comma-separated"),
    "seconds": (float, "20", "measured seconds of each step"),
    "warmup": (float, "3", "seconds after every user has started, before counting"),
    "repeats": (int, "1", "runs of each level (gateway and direct each time): median, spread"),
    "data-sizes": (str, "10,1000,10000", "documents in the listed folder (empty: levels only)"),
    "api-seed": (int, "200", "of those, how many are uploaded through the API; the rest are "
                 "row copies in documents' database"),
    "data-users": (int, "50", "concurrent users of the data-growth steps"),
    "customers": (int, "8", "contacts with portal access the customers sign in as"),
    "think": (float, "0", "seconds each user pauses between requests"),
}  # fmt: skip


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    for flag, (kind, default, text) in FLAGS.items():
        variable = "BENCH_LOAD_" + flag.upper().replace("-", "_")
        parser.add_argument(f"--{flag}", type=kind, default=kind(os.environ.get(variable, default)),
                            help=f"{text} (default {default}, or ${variable})")  # fmt: skip
    parsed = parser.parse_args(argv)
    parsed.levels = [int(n) for n in parsed.levels.split(",") if n.strip()]
    parsed.data_sizes = sorted(int(n) for n in parsed.data_sizes.split(",") if n.strip())
    return parsed


@asynccontextmanager
async def platform(workdir: Path) -> AsyncIterator[Platform]:
    # The broker's default vhost, as the other benches use (bench/support.py): the harness's
    # namespace keeps the run apart and drops its queues at the end, and no vhost is left for
    # rabbitmqctl to tear down (minutes on a busy broker).
    postgres, rabbit = Postgres(), Rabbit("/")
    s3 = S3Server.start(workdir / "s3", access_key="bench-access", secret_key="bench-secret-key",
                        log=workdir / "s3.log")  # fmt: skip
    try:
        async with running_platform(postgres, rabbit, s3, workdir, OVERRIDES) as running:
            yield running
    finally:
        s3.stop()
        await postgres.drop_all()


def gateway_prefix(running: Platform) -> Path:
    """Where the harness rendered the gateway's nginx.conf (beside the replicas' logs)."""
    return running.replicas["identity"][0].log.parent / "gateway"


def direct_routes(running: Platform) -> dict[str, list[str]]:
    """Each kind of request → the own URLs of the replicas of the service that the gateway's
    configuration, as rendered for this platform, sends it to."""
    config = (gateway_prefix(running) / "nginx.conf").read_text()
    routes = {}
    for kind, (_method, path) in KINDS.items():
        location = choose(config, path)
        assert location is not None, f"the gateway routes no {path}"
        assert location.upstream, f"the gateway answers {path} itself"
        routes[kind] = [replica.url for replica in running.replicas[location.upstream]]
    return routes


# --- the firm, through the public API ---------------------------------------------------------
async def make_office(portal: Portal, customers: int, workdir: Path) -> tuple[j.Bureau, Office]:
    """A bureau-plan firm with one company client of `customers` contacts, each registered
    from their invitation; a listed folder (10 documents to start with), the customers' upload
    folder and a staff-only folder; the PDFs the uploads send."""
    bureau = await j.sign_up(portal, "bureau")
    people = [f"kund{n}" for n in range(customers)]
    client = await portal.call("POST", "/api/v1/clients", bureau.staff, expect=201, json={
        "kind": "company", "name": f"Kund {bureau.tag} AB", "contacts": [
            {"first_name": "Kund", "last_name": who, "email": bureau.address(who),
             "roles": ["commercial"], "primary": n == 0, "language": "sv"}
            for n, who in enumerate(people)
        ],
    })  # fmt: skip
    bureau.client_id = client["id"]
    for who, made in zip(people, client["contacts"], strict=True):
        bureau.contacts[who] = j.Contact(made["id"], bureau.address(who))
        await portal.call("PUT", f"/api/v1/contacts/{made['id']}/portal-access", bureau.staff,
                          json={"enabled": True})  # fmt: skip
    await asyncio.gather(*(j.register(portal, bureau, who) for who in people))
    for name, rules in (
        ("Bokslut", {"level": "upload", "audience": "all"}),
        ("Inkorg", {"level": "upload", "audience": "all"}),
        ("Avtal", {"level": "none"}),
    ):
        made = await portal.eventually(
            "POST", f"/api/v1/clients/{bureau.client_id}/folders", bureau.staff, expect=201,
            json={"name": name, **rules},
        )  # fmt: skip
        bureau.folders[name] = made["id"]
    big, small = workdir / "big.pdf", workdir / "small.pdf"
    one_page = j.pdf("Avtal")
    small.write_bytes(one_page)
    big.write_bytes(j.pdf("Bilaga", padding=MB - len(one_page) - 2))
    office = Office(
        password=PASSWORD,
        customers=[
            Person(c.email, {"client_id": bureau.client_id}, c.id) for c in bureau.contacts.values()
        ],
        staff=[Person(bureau.owner_email, {"firm_id": bureau.firm_id})],
        client_id=bureau.client_id, listed_folder=bureau.folders["Bokslut"],
        upload_folder=bureau.folders["Inkorg"], staff_folder=bureau.folders["Avtal"],
        documents=[], big_file=str(big), small_file=str(small),
    )  # fmt: skip
    return bureau, office


async def fill(
    portal: Portal, bureau: j.Bureau, office: Office, size: int, api_limit: int, documents_dsn: str
) -> dict[str, float]:
    """The listed folder filled to `size` documents: one-page PDFs uploaded through the gateway,
    many at once (the public API has no bulk upload), up to `api_limit` documents; past that,
    copies of an uploaded document's rows (new id and name, same version and object) inserted
    in documents' own database. The first ten uploaded are what the customers download and
    comment on."""
    folder = office.listed_folder
    page = await portal.call("GET", f"/api/v1/folders/{folder}/documents?limit=1", bureau.staff)
    have = int(page["total"])
    gate = asyncio.Semaphore(SEED_CONCURRENCY)
    data = await asyncio.to_thread(Path(office.small_file).read_bytes)

    async def one(number: int) -> str:
        async with gate:
            made = await portal.call(
                "POST", f"/api/v1/folders/{folder}/documents", bureau.staff, expect=201,
                params={"name": f"Verifikation {number:05}.pdf"}, data=data,
            )  # fmt: skip
            return str(made["id"])

    started = time.monotonic()
    made = await asyncio.gather(*(one(n) for n in range(have, max(have, min(size, api_limit)))))
    seconds = time.monotonic() - started
    if not office.documents:
        office.documents.extend(made[:10])
    copied = max(0, size - have - len(made))
    if copied:
        await copy_documents(
            documents_dsn, bureau.firm_id, folder, office.documents[0], have + len(made), copied
        )
    page = await portal.call("GET", f"/api/v1/folders/{folder}/documents?limit=1", bureau.staff)
    return {"uploaded": len(made), "upload_seconds": round(seconds, 1),
            "uploads_per_second": round(len(made) / seconds, 1) if made else 0.0,
            "copied_in_sql": copied, "total": int(page["total"])}  # fmt: skip


@dataclass
class Seeder:
    portal: Portal
    bureau: j.Bureau
    office: Office
    api_limit: int
    documents_dsn: str

    async def __call__(self, size: int) -> dict[str, float]:
        return await fill(self.portal, self.bureau, self.office, size, self.api_limit,
                          self.documents_dsn)  # fmt: skip


async def copy_documents(
    dsn: str, firm: str, folder: str, source: str, start: int, count: int
) -> None:
    """`count` copies of document `source` in its folder, rows only: what the listings read;
    numbered from `start` (the documents the folder holds), so that names stay unique.
    The folder's counters follow by their trigger; ANALYZE gives the planner the table's new
    size as autovacuum would soon."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                """CREATE TEMP TABLE fresh ON COMMIT DROP AS
                   SELECT gen_random_uuid() AS doc, gen_random_uuid() AS ver, i
                     FROM generate_series($1::int + 1, $1::int + $2::int) i""",
                start,
                count,
            )
            await conn.execute(
                """INSERT INTO documents (id, firm_id, client_id, folder_id, name, created_by,
                          created_by_kind, current_version_id, size, content_type, version_count)
                   SELECT f.doc, d.firm_id, d.client_id, d.folder_id,
                          'Verifikation ' || lpad(f.i::text, 5, '0') || ' (kopia).pdf',
                          d.created_by, d.created_by_kind, f.ver, d.size, d.content_type,
                          d.version_count
                     FROM fresh f, documents d
                    WHERE d.firm_id = $1 AND d.folder_id = $2 AND d.id = $3""",
                uuid.UUID(firm), uuid.UUID(folder), uuid.UUID(source),
            )  # fmt: skip
            await conn.execute(
                """INSERT INTO versions (id, document_id, firm_id, number, object_key, size,
                                         sha256, content_type, reservation_key, created_by)
                   SELECT f.ver, f.doc, v.firm_id, v.number, v.object_key, v.size, v.sha256,
                          v.content_type, v.reservation_key || '-' || f.i, v.created_by
                     FROM fresh f, versions v
                    WHERE v.firm_id = $1 AND v.document_id = $2""",
                uuid.UUID(firm), uuid.UUID(source),
            )  # fmt: skip
        await conn.execute("ANALYZE documents")
        await conn.execute("ANALYZE versions")
    finally:
        await conn.close()


async def provision(portal: Portal, bureau: j.Bureau, credits: int, room: int) -> None:
    """Enough signing credits (packs of 100 bought through billing, as the firm's owner) and
    storage (10 GB blocks) that a step never meets its 402s."""
    balance = await j.balance(portal, bureau)
    while balance < credits:
        bought = await portal.call(
            "POST", "/api/v1/billing/credit-purchases", bureau.staff, expect=201,
            json={"pack": "100", "idempotency_key": uuid.uuid4().hex},
        )  # fmt: skip
        balance = int(bought["balance"])
    account = await portal.call("GET", "/api/v1/billing/account", bureau.staff)
    free = account["storage"]["limit"] - account["storage"]["used"]
    if free < room:
        await portal.call("POST", "/api/v1/billing/storage-blocks", bureau.staff, json={
            "quantity": -(-(room - free) // (10 * GB)), "idempotency_key": uuid.uuid4().hex,
        })  # fmt: skip


# --- the steps ------------------------------------------------------------------------------------
async def step(plan: Plan, workdir: Path, label: str) -> dict[str, Any]:
    """One Locust process for one step; its figures shaped for the report."""
    name = uuid.uuid4().hex[:8]
    path, log = workdir / f"plan-{name}.json", workdir / f"locust-{name}.log"
    path.write_text(json.dumps(plan.to_json()))
    # The machine's load before the step: other work on it shows here, not in the figures.
    load_before = os.getloadavg()[0]
    with log.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.load_users", str(path),
            stdout=asyncio.subprocess.PIPE, stderr=errors,
        )  # fmt: skip
        out, _ = await process.communicate()
    lines = out.decode().strip().splitlines()
    if process.returncode or not lines:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{label}: the load generator failed\n{tail}")
    raw = json.loads(lines[-1])
    kinds = {kind: KindStats(**stats) for kind, stats in raw["kinds"].items()}
    shaped = shape_step(kinds, raw["errors"], raw["seconds"], raw["ramp_errors"])
    shaped["users"] = raw["users"]
    shaped["generator_cpu_share"] = round(raw["cpu_share"], 2)
    shaped["loadavg_before"] = round(load_before, 1)
    shaped["generator_cpu_warnings"] = log.read_text(errors="replace").count("CPU usage above")
    samples: dict[str, dict[str, str]] = {}
    for error in raw["errors"] + raw["ramp_errors"]:
        samples.setdefault(error["kind"], {})[error["status"]] = error["sample"]
    show(label, shaped, samples)
    return shaped


def show(label: str, shaped: dict[str, Any], samples: dict[str, dict[str, str]]) -> None:
    print(f"\n{label}: {shaped['rps']} req/s, {shaped['requests']} requests in "
          f"{shaped['seconds']} s, {shaped['errors']} errors; the load generator took "
          f"{shaped['generator_cpu_share']:.0%} of a core (load average before: "
          f"{shaped['loadavg_before']})", flush=True)  # fmt: skip
    print(f"  {'kind':28} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, k in shaped["kinds"].items():
        print(f"  {kind:28} {k['rps']:7} {k['p50_ms']:8} {k['p99_ms']:8} {k['errors']:7}")
    for when in ("errors", "ramp_errors"):
        for kind, statuses in shaped[f"{when}_by_kind_status"].items():
            for status, count in statuses.items():
                sample = samples.get(kind, {}).get(status, "")
                what = "error" if when == "errors" else "error while users started"
                print(f"  {what}: {kind} → {status} x{count}: {sample[:200]}")


async def measure(running: Platform, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        portal = Portal(running.url, running.mail, http, gateway_prefix(running))
        bureau, office = await make_office(portal, args.customers, workdir)
        sizes = args.data_sizes or [10]
        seed = Seeder(portal, bureau, office, args.api_seed, running.dsn("documents"))
        seeding = {sizes[0]: await seed(sizes[0])}
        base = Plan(office, running.url, 0, args.seconds, args.warmup, 0, args.think)
        levels = await at_levels(portal, bureau, base, direct_routes(running), args, workdir)
        data: dict[int, dict[str, Any]] = {}
        for size in args.data_sizes:
            if size == sizes[0] and args.data_users in levels:
                data[size] = levels[args.data_users][0]["gateway"]
                continue
            seeding[size] = await seed(size)
            print(f"\nlisted folder filled to {size} documents: {seeding[size]}", flush=True)
            await provision(portal, bureau, credits=200 + 3 * args.data_users, room=10 * GB)
            plan = replace(base, users=args.data_users, spawn_rate=spawn_rate(args.data_users))
            label = f"{args.data_users} users, gateway, {size} documents in the listed folder"
            data[size] = await step(plan, workdir, label)
    return {"levels": levels, "data": data, "seeding": seeding}


def spawn_rate(users: int) -> float:
    """Users started per second: all within two seconds (at least ten a second)."""
    return max(10.0, users / 2)


async def at_levels(
    portal: Portal, bureau: j.Bureau, base: Plan, routes: dict[str, list[str]],
    args: argparse.Namespace, workdir: Path,
) -> dict[int, list[dict[str, dict[str, Any]]]]:  # fmt: skip
    """Each level `repeats` times, each time through the gateway and then direct."""
    levels: dict[int, list[dict[str, dict[str, Any]]]] = {}
    for users in args.levels:
        for run in range(args.repeats):
            levels.setdefault(users, []).append({})
            for mode in ("gateway", "direct"):
                await provision(portal, bureau, credits=200 + 3 * users, room=10 * GB)
                plan = replace(base, users=users, spawn_rate=spawn_rate(users),
                               routes=routes if mode == "direct" else {})  # fmt: skip
                label = f"{users} users, {mode}" + (f", run {run + 1}" if args.repeats > 1 else "")
                levels[users][-1][mode] = await step(plan, workdir, label)
    return levels


def spread(runs: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Median and range of each level's throughputs and gateway ratio over its runs."""

    def of(values: list[float]) -> dict[str, float]:
        return {"median": round(median(values), 3), "min": min(values), "max": max(values)}

    return {
        "runs": len(runs),
        "rps": of([r["gateway"]["rps"] for r in runs]),
        "direct_rps": of([r["direct"]["rps"] for r in runs]),
        "gateway_ratio": of([gateway_ratio(r["gateway"], r["direct"]) for r in runs]),
    }


def middle_run(runs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The run whose gateway throughput is the median one (the one reported in full)."""
    ordered = sorted(runs, key=lambda r: r["gateway"]["rps"])
    return ordered[len(ordered) // 2]


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        # Reachable by nginx's workers (the harness puts the gateway's prefix below).
        workdir.chmod(0o755)  # noqa: ASYNC240 (once)
        started = time.monotonic()
        async with platform(workdir) as running:
            print(f"platform up in {time.monotonic() - started:.0f} s: {running.url} "
                  f"({REPLICAS} processes of each service)", flush=True)  # fmt: skip
            found = await measure(running, args, workdir)
    settings = {
        "cores": os.cpu_count(), "replicas": REPLICAS, "seconds": args.seconds,
        "warmup": args.warmup, "think": args.think, "customers": args.customers,
        "gateway_auth_rate": TESTS_AUTH_RATE, "data_users": args.data_users,
        "generator": "Locust FastHttpUser, one process on the same machine (shares its cores)",
        "generator_cpu_share": max(
            [m["generator_cpu_share"] for runs in found["levels"].values() for r in runs
             for m in r.values()] or [0.0]
        ),
        "seeding": found["seeding"],
        "wall_seconds": round(time.monotonic() - started, 1),
    }  # fmt: skip
    levels = {users: middle_run(runs) for users, runs in found["levels"].items()}
    out = summarise(levels, found["data"], settings)
    if args.repeats > 1:
        out["repeats"] = {f"u{users}": spread(runs) for users, runs in found["levels"].items()}
    return out


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(options()))))
