"""The gateway serves the web portal at /: every link a mail carries opens the app, hashed
assets are cached for good, index.html never, and the app's policy allows only its origin."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.gateway import free_port, local_values, nginx_running, send

MAILED_PATHS = [
    "/",
    "/register",
    "/invitation",
    "/sign-in/link",
    "/reset-password",
    "/sign-up/confirm",
    "/s",
    "/sign",
    "/signed-copy",
    "/documents/0b7c4a52-5d0e-4a8e-9f55-3c1e2b8f7a10",
    "/folders/0b7c4a52-5d0e-4a8e-9f55-3c1e2b8f7a10",
    "/notifications",
    "/p/bokforing-ab",  # a firm's portal address, on its invoices and mails
]
INDEX = b"<!doctype html><title>portal</title><script type=module src=/assets/index-abc123.js>"


@pytest.fixture
def web_gateway(tmp_path: Path, stand_ins: dict[str, int]) -> Iterator[int]:
    # nginx's workers run as nobody when it starts as root: pytest's own tmp folders are 0700.
    readable = Path(tempfile.mkdtemp(prefix="portal-web-"))
    readable.chmod(0o755)
    dist = readable / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('portal')")
    (dist / "assets" / "pdf.worker-def456.mjs").write_text("export {}")
    port = free_port()
    with nginx_running(tmp_path / "gw", local_values(port, stand_ins, web_root=dist), port):
        yield port
    shutil.rmtree(readable)


def test_every_mailed_path_opens_the_app_uncached(web_gateway: int) -> None:
    for path in MAILED_PATHS:
        status, headers, body = send(web_gateway, "GET", path)
        assert status == 200, path
        assert body == INDEX, path
        assert headers["content-type"].startswith("text/html"), path
        assert "no-store" in headers["cache-control"], path


def test_the_app_may_load_only_from_its_own_origin(web_gateway: int) -> None:
    _, headers, _ = send(web_gateway, "GET", "/register")
    policy = dict(
        part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "unsafe-eval" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_hashed_assets_are_cached_for_good(web_gateway: int) -> None:
    for path in ("/assets/index-abc123.js", "/assets/pdf.worker-def456.mjs"):
        status, headers, _ = send(web_gateway, "GET", path)
        assert status == 200, path
        assert headers["content-type"].startswith("text/javascript"), path
        assert headers["cache-control"] == "public, max-age=31536000, immutable"


def test_a_missing_asset_or_api_path_is_a_problem_404_not_the_app(web_gateway: int) -> None:
    for path in ("/assets/gone-000.js", "/api/v1/unknown", "/api/v2/firms", "/healthz/extra"):
        status, headers, _ = send(web_gateway, "GET", path)
        assert status == 404, path
        assert headers["content-type"] == "application/problem+json", path


def test_api_routes_still_reach_their_services(web_gateway: int) -> None:
    status, _, body = send(web_gateway, "GET", "/api/v1/me")
    assert status == 200
    assert b'"service": "identity"' in body
