"""The services' OpenAPI documents (docs/openapi) and the web app's typed client generated from
them (web/src/api/schema) are current: `scripts/api-client` rewrites both."""

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.openapi import SERVICES, document

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "web" / "node_modules" / ".bin" / "openapi-typescript"


def test_checked_in_documents_are_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deploy.openapi", "--check", "docs/openapi"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_operation_ids_are_unique_in_each_document() -> None:
    for service in SERVICES:
        ids = [
            op["operationId"] for ops in document(service)["paths"].values() for op in ops.values()
        ]
        assert len(ids) == len(set(ids)), service


@pytest.mark.skipif(not GENERATOR.exists(), reason="web/node_modules is missing (npm ci in web/)")
def test_generated_client_types_are_current(tmp_path: Path) -> None:
    for service in SERVICES:
        out = tmp_path / f"{service}.ts"
        subprocess.run(
            [str(GENERATOR), f"docs/openapi/{service}.json", "-o", str(out),
             "--default-non-nullable=false"],
            cwd=ROOT, capture_output=True, check=True,
        )  # fmt: skip
        committed = ROOT / "web" / "src" / "api" / "schema" / f"{service}.ts"
        assert committed.read_text() == out.read_text(), f"{committed} is stale: scripts/api-client"
