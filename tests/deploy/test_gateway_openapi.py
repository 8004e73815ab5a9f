"""The gateway routes every operation of every service's OpenAPI document to that service:
the routes are read from `docs/openapi/*.json` (kept current by tests/shared), so an endpoint
added to a service without a gateway location fails here."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.gateway import ROOT, SERVICE_PORTS, free_port, local_values, nginx_running, send

DOCUMENTS = ROOT / "docs" / "openapi"
# Each service's own, not public: the gateway answers /healthz itself and serves the merged
# document, so these stay unrouted.
INTERNAL = {"/healthz", "/readyz", "/openapi.json"}
SAMPLES = {"number": "3", "index": "0", "month": "2026-01", "token": "t0ken-from-a-mail"}
_PARAMETER = re.compile(r"{(\w+)}")


def operations() -> list[tuple[str, str, str]]:
    """(service, method, path template) of every public operation in the documents."""
    found = []
    for service in SERVICE_PORTS:
        document = json.loads((DOCUMENTS / f"{service}.json").read_text())
        for path, item in document["paths"].items():
            for method in item:
                if path not in INTERNAL:
                    found.append((service, method.upper(), path))
    return found


def concrete(template: str) -> str:
    """The template with a plausible value in each path parameter."""
    return _PARAMETER.sub(
        lambda m: SAMPLES.get(m.group(1), "0b6f1c0e-8a4e-4f0e-9a51-3d2b1f0c9e77"), template
    )


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, stand_ins_module: dict[str, int]
) -> Iterator[int]:
    port = free_port()
    prefix: Path = tmp_path_factory.mktemp("gw-openapi")
    with nginx_running(prefix, local_values(port, stand_ins_module), port):
        yield port


def test_the_documents_name_every_service() -> None:
    services = {service for service, _, _ in operations()}
    assert services == set(SERVICE_PORTS)
    assert len(operations()) > 100


@pytest.mark.parametrize(("service", "method", "template"), operations())
def test_every_operation_reaches_its_service(
    gateway: int, service: str, method: str, template: str
) -> None:
    path = concrete(template)
    status, _, body = send(gateway, method, path + "?probe=1", b"{}",
                                 **{"Content-Type": "application/json"})  # fmt: skip
    assert status == 200, f"{method} {path}: {status} {body[:200]!r}"
    answer = json.loads(body)
    assert answer["service"] == service, f"{method} {path} reached {answer['service']}"
    assert answer["path"] == path + "?probe=1"
