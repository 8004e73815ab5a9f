"""The public API documents: every service's OpenAPI, the merged one and the AsyncAPI pass
Redocly's recommended rules with no error; the gateway serves them, the problems page every
`type` URI points into, and Swagger UI from its own files, which Chromium renders under the
gateway's policy without one refusal."""

import json
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy.openapi import SERVICES, SYSTEM_PATHS, write_site
from shared.errors import PROBLEM_TYPES
from shared.http.problems import problem_response
from tests.deploy.gateway import ROOT, TEMPLATE, free_port, local_values, nginx_running, send

TOOLS = ROOT / ".tools" / "api-docs" / "node_modules"
REDOCLY = TOOLS / ".bin" / "redocly"
SWAGGER_UI = TOOLS / "swagger-ui-dist"
DOCUMENTS = [ROOT / "docs" / "openapi" / f"{s}.json" for s in SERVICES] + [
    ROOT / "docs" / "openapi.json",
    ROOT / "docs" / "asyncapi.json",
]


def test_the_documents_pass_redocly_recommended_rules() -> None:
    if not REDOCLY.exists():
        pytest.fail("Redocly CLI is missing: run scripts/bootstrap (installs .tools/api-docs)")
    result = subprocess.run(
        [str(REDOCLY), "lint", "--format=summary", *map(str, DOCUMENTS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"^error ", result.stdout, re.MULTILINE), result.stdout


def test_the_merged_document_has_every_public_operation_once() -> None:
    merged = json.loads((ROOT / "docs" / "openapi.json").read_text())
    expected = set()
    for service in SERVICES:
        own = json.loads((ROOT / "docs" / "openapi" / f"{service}.json").read_text())
        expected |= {p for p in own["paths"] if p not in SYSTEM_PATHS}
    assert set(merged["paths"]) == expected
    ids = [op["operationId"] for item in merged["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(merged)))
    assert refs <= set(merged["components"]["schemas"])


def test_public_operations_say_they_need_no_token() -> None:
    merged = json.loads((ROOT / "docs" / "openapi.json").read_text())
    sign_up = merged["paths"]["/api/v1/firms"]["post"]
    assert sign_up["security"] == []
    assert merged["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]


def test_every_problem_type_is_documented_on_the_problems_page() -> None:
    """From the services (the kit's problem_response) and from the gateway alike."""
    page = (ROOT / "docs" / "problems.html").read_text()
    documented = {f"/api/problems#{slug}" for slug in re.findall(r'<dt id="([\w-]+)">', page)}
    assert documented == {t.uri for t in PROBLEM_TYPES.values()}
    assert json.loads(problem_response(404, "Not found").body)["type"] == "/api/problems#not-found"
    from_gateway = set(re.findall(r'"type":"([^"]+)"', TEMPLATE.read_text()))
    assert from_gateway
    assert from_gateway <= documented


@pytest.fixture(scope="module")
def site() -> Iterator[Path]:
    """Readable by nginx's workers (`nobody` when the tests run as root), unlike pytest's
    private temporary folders."""
    if not SWAGGER_UI.exists():
        pytest.fail("Swagger UI is missing: run scripts/bootstrap (installs .tools/api-docs)")
    with tempfile.TemporaryDirectory(prefix="portal-api-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        write_site(folder, SWAGGER_UI)
        yield folder


@pytest.fixture
def gateway(tmp_path: Path, stand_ins: dict[str, int], site: Path) -> Iterator[int]:
    port = free_port()
    with nginx_running(tmp_path / "gw", local_values(port, stand_ins, api_root=site), port):
        yield port


@pytest.mark.parametrize(
    ("path", "document"),
    [("/api/openapi.json", "openapi.json"), ("/api/asyncapi.json", "asyncapi.json")],
)
def test_the_gateway_serves_the_documents(gateway: int, path: str, document: str) -> None:
    status, headers, body = send(gateway, "GET", path)
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert body == (ROOT / "docs" / document).read_bytes()


def test_the_gateway_serves_the_problems_page(gateway: int) -> None:
    status, headers, body = send(gateway, "GET", "/api/problems")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert b'<dt id="not-found">' in body


def test_the_reference_is_served_from_its_own_files(gateway: int) -> None:
    assert send(gateway, "GET", "/api/docs")[1]["location"].endswith("/api/docs/")
    status, headers, body = send(gateway, "GET", "/api/docs/")
    assert status == 200
    assert "default-src 'self'" in headers["content-security-policy"]
    assert not re.search(rb"""(src|href)=["']?(https?:)?//""", body), "nothing from elsewhere"
    _, _, initializer = send(gateway, "GET", "/api/docs/swagger-initializer.js")
    assert b'url: "/api/openapi.json"' in initializer


async def test_chromium_renders_the_reference_without_a_policy_refusal(gateway: int) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    refused: list[str] = []
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page()
            page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: refused.append(str(error)))
            await page.goto(f"http://127.0.0.1:{gateway}/api/docs/")
            await page.wait_for_selector(".opblock-summary-path", timeout=20_000)
            shown = await _scrolled_to(page, "/api/v1/firms")
        finally:
            await browser.close()
    assert "/api/v1/firms" in shown
    assert not refused, refused


async def _scrolled_to(page: Any, path: str) -> list[str]:
    """The operations' paths shown, scrolling down as a reader would until `path` has been
    among them: Swagger UI keeps only the tags near the screen rendered."""
    shown: list[str] = []
    for _ in range(400):
        texts = await page.locator(".opblock-summary-path").all_inner_texts()
        shown += [text.replace("\u200b", "") for text in texts]
        if path in shown:
            break
        await page.evaluate("window.scrollBy(0, 400)")
        await page.wait_for_timeout(100)
    return shown
