"""bench.load (issue 15): the report's shaping on figures made up here, and the whole bench at
a tiny size on a platform of its own (two steps of a few seconds, data steps of a few
documents), so that a broken scenario, route or report fails here and not in a long run."""

import json
from pathlib import Path

import pytest

from bench.load import OVERRIDES, measure, options
from bench.load_scenario import KINDS, KindStats, growth, shape_step, summary
from deploy.local.s3 import S3Server
from tests.support.infra import Postgres, Rabbit
from tests.support.processes import running_platform


def test_a_step_counts_its_errors_by_kind_and_status() -> None:
    kinds = {
        "customer download": KindStats(requests=90, failures=3, p50_ms=12.0, p99_ms=80.0),
        "staff send signing": KindStats(requests=10, failures=1, p50_ms=40.0, p99_ms=300.0),
    }
    errors = [
        {"kind": "customer download", "status": "502", "count": 2, "sample": ""},
        {"kind": "customer download", "status": "no answer", "count": 1, "sample": ""},
        {"kind": "staff send signing", "status": "402", "count": 1, "sample": ""},
    ]
    shaped = shape_step(kinds, errors, seconds=20.0)
    assert shaped["requests"] == 100
    assert shaped["rps"] == 5.0
    assert shaped["errors"] == 4
    assert shaped["errors_by_kind_status"] == {
        "customer download": {"502": 2, "no answer": 1},
        "staff send signing": {"402": 1},
    }
    assert shaped["kinds"]["customer download"]["rps"] == 4.5
    assert shaped["kinds"]["staff send signing"]["p99_ms"] == 300.0


def test_the_summary_has_the_gateway_ratio_and_the_growth_of_p99() -> None:
    def step(rps: float, p99: float, errors: int = 0) -> dict:
        kinds = {"customer list documents": KindStats(int(rps * 10), errors, p99 / 2, p99)}
        return shape_step(kinds, [], seconds=10.0)

    levels = {10: {"gateway": step(90, 20), "direct": step(100, 15)}}
    data = {10: step(90, 20), 1000: step(80, 30), 10000: step(60, 70, errors=2)}
    out = summary(levels, data, {"cores": 2})
    assert out["u10"]["gateway_ratio"] == 0.9
    assert out["gateway_ratio_min"] == 0.9
    assert out["errors_total"] == 2
    assert out["data_growth"]["customer list documents"] == growth(data, "customer list documents")
    assert out["data_growth"]["customer list documents"]["10000_vs_10"] == 3.5
    json.dumps(out)


@pytest.mark.slow
@pytest.mark.timeout(420)
async def test_the_bench_runs_at_a_tiny_size_without_errors(
    postgres: Postgres, rabbit: Rabbit, s3: S3Server, workdir: Path
) -> None:
    args = options([
        "--levels", "5", "--seconds", "3", "--warmup", "0.5", "--data-sizes", "3,12",
        "--api-seed", "6", "--data-users", "5", "--customers", "2",
    ])  # fmt: skip
    async with running_platform(postgres, rabbit, s3, workdir, OVERRIDES) as platform:
        found = await measure(platform, args, workdir)
    five = found["levels"][5][0]
    for mode in ("gateway", "direct"):
        assert five[mode]["rps"] > 0, five[mode]
        assert five[mode]["errors"] == 0, five[mode]["errors_by_kind_status"]
        assert set(five[mode]["kinds"]) <= set(KINDS)
        # (sign-ins are mostly at each user's start, before the counted window)
        seen = set(five[mode]["kinds"])
        assert {"customer list folders", "customer download", "staff list clients"} <= seen
    # 12 in the listed folder: 6 uploaded through the gateway, 6 copied as rows.
    assert found["seeding"][3]["uploaded"] == 3
    assert found["seeding"][12] == {
        **found["seeding"][12], "uploaded": 3, "copied_in_sql": 6, "total": 12,
    }  # fmt: skip
    assert set(found["data"]) == {3, 12}
    assert all(step["errors"] == 0 for step in found["data"].values())
    assert found["data"][12]["kinds"]["customer list documents"]["requests"] > 0
    out = summary({5: five}, found["data"], {})
    assert out["errors_total"] == 0
    json.dumps(out)
