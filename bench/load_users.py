"""The load generator of `bench.load`: Locust as a library, one step per process
(`python -m bench.load_users PLAN.json`; gevent patches this process, so it is kept apart
from the asyncio orchestrator). Customers sign in, list their folders and a folder's
documents, download, upload 1 MB and comment; staff list clients, upload 1 MB and send a PDF
for signing. Prints one JSON object: each kind's counts and percentiles in the measured window,
the errors by kind and status, and the first body of each such error.

An error is any status a kind does not expect (or no answer at all): each kind expects its one
success status, nothing else is normal under load.
"""

import itertools
import json
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import CatchResponseError
from locust.runners import STATE_SPAWNING

from bench.load_scenario import KINDS, Person, Plan

PLAN: Plan  # set by main() before any user starts
SAMPLES: dict[tuple[str, str], str] = {}  # (kind, status) → the first body seen
# Every error since the first user started, the ramp's too (the step's own figures start after
# it): a user that failed to sign in while the others were starting must not go unseen.
EVERY_ERROR: Counter[tuple[str, str]] = Counter()
FILES: dict[str, bytes] = {}


def body_of(path: str) -> bytes:
    if path not in FILES:
        FILES[path] = Path(path).read_bytes()
    return FILES[path]


class Portal(FastHttpUser):
    """One person using the portal without pause (or `think` seconds between requests)."""

    abstract = True
    people: ClassVar[Iterator[Person]]
    route_turns: ClassVar[dict[str, Iterator[str]]] = {}
    token = ""
    person: Person
    sign_in_kind: ClassVar[str]

    def url(self, kind: str, path: str) -> str:
        turns = self.route_turns.get(kind)
        return (next(turns) if turns else "") + path

    def call(self, kind: str, path: str, expect: int, **kw: Any) -> Any:
        """The request; its answer's JSON if it had the status expected (None otherwise). A
        user whose sign-in failed signs in again first, and asks nothing if that fails too
        (the failed sign-in is counted)."""
        if not self.token and kind != self.sign_in_kind:
            self.sign_in()
            if not self.token:
                return None
        method = KINDS[kind][0]
        headers = kw.pop("headers", {}) | (
            {"Authorization": f"Bearer {self.token}"} if self.token else {}
        )
        with self.client.request(
            method, self.url(kind, path), name=kind, headers=headers, catch_response=True, **kw
        ) as response:
            if response.status_code == expect:
                response.success()
                json_body = "json" in (response.headers.get("Content-Type") or "")
                return response.json() if json_body else None
            status = str(response.status_code or "no answer")
            SAMPLES.setdefault((kind, status), (response.text or str(response.error))[:300])
            response.failure(status)
            return None

    def sign_in(self) -> None:
        self.token = ""
        person = self.person
        answer = self.call(self.sign_in_kind, "/api/v1/auth/sign-in", 200,
                           json={"email": person.email, "password": PLAN.office.password,
                                 **person.context})  # fmt: skip
        self.token = answer["access_token"] if answer else ""

    def upload(self, kind: str, folder: str, file: str) -> str | None:
        data = body_of(file)
        made = self.call(kind, f"/api/v1/folders/{folder}/documents", 201,
                         params={"name": f"{uuid.uuid4().hex}.pdf"}, data=data,
                         headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        return str(made["id"]) if made else None


class Customer(Portal):
    weight = 4
    sign_in_kind = "customer sign in"

    def on_start(self) -> None:
        self.person = next(self.people)
        self.documents = itertools.cycle(PLAN.office.documents)
        self.sign_in()

    @task(1)
    def again(self) -> None:
        self.sign_in()

    @task(6)
    def folders(self) -> None:
        self.call("customer list folders", f"/api/v1/clients/{PLAN.office.client_id}/folders", 200)

    @task(6)
    def documents_page(self) -> None:
        self.call("customer list documents",
                  f"/api/v1/folders/{PLAN.office.listed_folder}/documents", 200)  # fmt: skip

    @task(4)
    def download(self) -> None:
        self.call("customer download", f"/api/v1/documents/{next(self.documents)}/content", 200)

    @task(1)
    def upload_file(self) -> None:
        self.upload("customer upload 1 MB", PLAN.office.upload_folder, PLAN.office.big_file)

    @task(2)
    def comment(self) -> None:
        self.call("customer comment", f"/api/v1/documents/{next(self.documents)}/comments", 201,
                  json={"body": "Tack, ser bra ut!"})  # fmt: skip


class Staff(Portal):
    weight = 1
    sign_in_kind = "staff sign in"

    def on_start(self) -> None:
        self.person = next(self.people)
        self.sign_in()
        self.parties = itertools.cycle(PLAN.office.customers)

    @task(4)
    def clients(self) -> None:
        self.call("staff list clients", "/api/v1/clients", 200)

    @task(2)
    def upload_file(self) -> None:
        self.upload("staff upload 1 MB", PLAN.office.staff_folder, PLAN.office.big_file)

    @task(1)
    def send_for_signing(self) -> None:
        document = self.upload(
            "staff upload for signing", PLAN.office.staff_folder, PLAN.office.small_file
        )
        if document is None:
            return
        party = next(self.parties)
        signing = self.call("staff create signing", "/api/v1/signings", 201, json={
            "document_id": document, "language": "sv", "parties": [
                {"name": "Kund", "email": party.email, "method": "click",
                 "contact_id": party.contact_id},
            ],
        })  # fmt: skip
        if signing is not None:
            self.call("staff send signing", f"/api/v1/signings/{signing['id']}/send", 200)


def prepare(plan: Plan) -> list[type[Portal]]:
    global PLAN
    PLAN = plan
    wait = constant(plan.think)
    Customer.people, Staff.people = (
        itertools.cycle(plan.office.customers),
        itertools.cycle(plan.office.staff),
    )
    Portal.route_turns = {kind: itertools.cycle(bases) for kind, bases in plan.routes.items()}
    for user in (Customer, Staff):
        user.wait_time = wait  # type: ignore[assignment]
    return [Customer, Staff]


def run(plan: Plan) -> dict[str, Any]:
    """Start the users, let them all start and warm up, then count for `plan.seconds`."""
    env = Environment(user_classes=prepare(plan), host=plan.host)
    env.events.request.add_listener(count_error)
    runner = env.create_local_runner()
    runner.start(plan.users, spawn_rate=plan.spawn_rate)
    while runner.state == STATE_SPAWNING:
        gevent.sleep(0.1)
    gevent.sleep(plan.warmup)
    env.stats.reset_all()
    started, cpu = time.monotonic(), time.process_time()
    gevent.sleep(plan.seconds)
    seconds = time.monotonic() - started
    # The generator shares the machine's cores with the platform: what share of one it took.
    cpu_share = (time.process_time() - cpu) / seconds
    counted = measured(env)
    users = runner.user_count
    runner.quit()
    return {"seconds": seconds, "users": users, "cpu_share": cpu_share, **counted}


def measured(env: Environment) -> dict[str, Any]:
    kinds = {
        name: {
            "requests": entry.num_requests, "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5) if entry.num_requests else 0.0,
            "p99_ms": entry.get_response_time_percentile(0.99) if entry.num_requests else 0.0,
        }
        for (name, _method), entry in env.stats.entries.items()
    }  # fmt: skip
    errors = [
        {"kind": error.name, "status": status_of(error.error), "count": error.occurrences,
         "sample": SAMPLES.get((error.name, status_of(error.error)), "")}
        for error in env.stats.errors.values()
    ]  # fmt: skip
    ramp = EVERY_ERROR - Counter({(e["kind"], e["status"]): e["count"] for e in errors})
    ramp_errors = [
        {"kind": kind, "status": status, "count": count, "sample": SAMPLES.get((kind, status), "")}
        for (kind, status), count in ramp.items()
    ]
    return {"kinds": kinds, "errors": errors, "ramp_errors": ramp_errors}


def count_error(name: str, exception: Exception | None = None, **_: Any) -> None:
    if exception is not None:
        EVERY_ERROR[(name, status_of(exception))] += 1


def status_of(error: Exception | str | None) -> str:
    """The status a failure was marked with (call() marks each with it), or what was raised."""
    if isinstance(error, CatchResponseError):
        return str(error.args[0])
    return repr(error)


def main() -> None:
    plan = Plan.of(json.loads(Path(sys.argv[1]).read_text()))
    print(json.dumps(run(plan)), flush=True)


if __name__ == "__main__":
    main()
