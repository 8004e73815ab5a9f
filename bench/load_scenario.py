"""What `bench.load` asks of the platform and how it tells the figures, without Locust: the
kinds of request (each with the path the gateway routes it by), the plan one Locust step is
given, and the shaping of a step's raw statistics into the report. Both the orchestrator
(asyncio, bench/load.py) and the load generator (gevent, bench/load_users.py) import it, so it
imports neither."""

from dataclasses import asdict, dataclass, field
from typing import Any

# kind → (method, a path of its shape): the gateway location that path gets decides which
# service the direct run sends that kind to.
KINDS: dict[str, tuple[str, str]] = {
    "customer sign in": ("POST", "/api/v1/auth/sign-in"),
    "customer list folders": ("GET", "/api/v1/clients/0/folders"),
    "customer list documents": ("GET", "/api/v1/folders/0/documents"),
    "customer download": ("GET", "/api/v1/documents/0/content"),
    "customer upload 1 MB": ("POST", "/api/v1/folders/0/documents"),
    "customer comment": ("POST", "/api/v1/documents/0/comments"),
    "staff sign in": ("POST", "/api/v1/auth/sign-in"),
    "staff list clients": ("GET", "/api/v1/clients"),
    "staff upload 1 MB": ("POST", "/api/v1/folders/0/documents"),
    "staff upload for signing": ("POST", "/api/v1/folders/0/documents"),
    "staff create signing": ("POST", "/api/v1/signings"),
    "staff send signing": ("POST", "/api/v1/signings/0/send"),
}


@dataclass
class Person:
    email: str
    context: dict[str, str]  # what sign-in is given besides the password: client_id or firm_id
    contact_id: str = ""


@dataclass
class Office:
    """The firm the load works on, made through the public API (bench/load.py)."""

    password: str
    customers: list[Person]
    staff: list[Person]
    client_id: str
    listed_folder: str  # listed, downloaded from and commented on: its size is the data step's
    upload_folder: str  # the customers' uploads (so that the listed folder keeps its size)
    staff_folder: str  # the staff's uploads and what they send for signing
    documents: list[str]  # in the listed folder: downloaded and commented on
    big_file: str  # a path: the 1 MB PDF every upload sends
    small_file: str  # a path: the one-page PDF sent for signing


@dataclass
class Plan:
    """One step: `users` Locust users for `seconds` (after all have started and `warmup`
    seconds more), against `host`, or with `routes` (kind → the services' own base URLs,
    taken in turn) straight to the services."""

    office: Office
    host: str
    users: int
    seconds: float
    warmup: float
    spawn_rate: float
    think: float = 0.0
    routes: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, data: dict[str, Any]) -> "Plan":
        office = data["office"]
        people = {k: [Person(**p) for p in office[k]] for k in ("customers", "staff")}
        return cls(**(data | {"office": Office(**(office | people))}))


@dataclass(frozen=True)
class KindStats:
    """What Locust counted for one kind in the measured window (times in ms)."""

    requests: int
    failures: int
    p50_ms: float
    p99_ms: float


def by_kind_status(errors: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    counted: dict[str, dict[str, int]] = {}
    for error in errors:
        statuses = counted.setdefault(error["kind"], {})
        statuses[error["status"]] = statuses.get(error["status"], 0) + error["count"]
    return counted


def shape_step(
    kinds: dict[str, KindStats], errors: list[dict[str, Any]], seconds: float,
    ramp_errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A step's report: requests per second overall and per kind (those made in the measured
    window) with p50/p99, and the errors (any status the kind does not expect, or no answer)
    by kind and status; those of the ramp, before the window, apart."""
    total = sum(k.requests for k in kinds.values())
    ramp_errors = ramp_errors or []
    return {
        "seconds": round(seconds, 1),
        "requests": total,
        "rps": round(total / seconds, 1) if seconds else 0.0,
        "errors": sum(k.failures for k in kinds.values()),
        "errors_by_kind_status": by_kind_status(errors),
        "ramp_errors": sum(e["count"] for e in ramp_errors),
        "ramp_errors_by_kind_status": by_kind_status(ramp_errors),
        "kinds": {
            name: {
                "requests": k.requests, "rps": round(k.requests / seconds, 1) if seconds else 0.0,
                "p50_ms": k.p50_ms, "p99_ms": k.p99_ms, "errors": k.failures,
            }
            for name, k in sorted(kinds.items())
            if k.requests
        },
    }  # fmt: skip


def gateway_ratio(via_gateway: dict[str, Any], direct: dict[str, Any]) -> float:
    """Throughput through the gateway over the same mix straight to the services."""
    return round(via_gateway["rps"] / direct["rps"], 3) if direct["rps"] else 0.0


def growth(by_size: dict[int, dict[str, Any]], kind: str) -> dict[str, float]:
    """p99 of `kind` at each size of the listed folder, and its growth from the smallest."""
    sizes = sorted(by_size)
    base = by_size[sizes[0]]["kinds"].get(kind, {}).get("p99_ms", 0.0)
    out: dict[str, float] = {}
    for size in sizes:
        p99 = by_size[size]["kinds"].get(kind, {}).get("p99_ms", 0.0)
        out[f"{size}_p99_ms"] = p99
        out[f"{size}_vs_{sizes[0]}"] = round(p99 / base, 2) if base else 0.0
    return out


def summary(
    levels: dict[int, dict[str, dict[str, Any]]], data: dict[int, dict[str, Any]],
    settings: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """The last line: every figure, flat enough to compare runs by."""
    out: dict[str, Any] = {"bench": "load", **settings}
    for users, modes in sorted(levels.items()):
        gateway, direct = modes["gateway"], modes["direct"]
        out[f"u{users}"] = {
            "rps": gateway["rps"], "direct_rps": direct["rps"],
            "gateway_ratio": gateway_ratio(gateway, direct),
            "errors": gateway["errors"], "direct_errors": direct["errors"],
            "ramp_errors": gateway["ramp_errors"] + direct["ramp_errors"],
            "errors_by_kind_status": gateway["errors_by_kind_status"],
            "direct_errors_by_kind_status": direct["errors_by_kind_status"],
            "p50_ms": {k: v["p50_ms"] for k, v in gateway["kinds"].items()},
            "p99_ms": {k: v["p99_ms"] for k, v in gateway["kinds"].items()},
            "direct_p99_ms": {k: v["p99_ms"] for k, v in direct["kinds"].items()},
            "kind_rps": {k: v["rps"] for k, v in gateway["kinds"].items()},
        }  # fmt: skip
    if data:
        out["data_growth"] = {
            kind: growth(data, kind)
            for kind in ("customer list documents", "customer list folders", "customer download")
        }
        out["data_errors"] = {size: step["errors"] for size, step in sorted(data.items())}
    steps = [*(m for modes in levels.values() for m in modes.values()), *data.values()]
    out["errors_total"] = sum(step["errors"] for step in steps)
    out["ramp_errors_total"] = sum(step["ramp_errors"] for step in steps)
    ratios = [out[f"u{u}"]["gateway_ratio"] for u in sorted(levels)]
    out["gateway_ratio_min"] = min(ratios) if ratios else 0.0
    return out
