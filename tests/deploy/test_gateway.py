"""The gateway template: its placeholders, its routing of every public prefix of
ARCHITECTURE.md §1, nginx accepting it, and a real nginx routing to stand-in services."""

import http.client
import json
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template

import pytest

from shared.http.downloads import disposition, protection
from tests.deploy.gateway import (
    PLACEHOLDERS,
    SERVICE_PORTS,
    TEMPLATE,
    choose,
    free_port,
    local_values,
    locations,
    nginx_binary,
    nginx_running,
    render,
    send,
    upstreams,
    write_config,
)

# path → the service that answers it (ARCHITECTURE.md §1)
ROUTES = {
    "/api/v1/firms": "identity",
    "/api/v1/firms/f1/settings": "identity",
    "/api/v1/branding/bokforing-ab": "identity",
    "/api/v1/branding/bokforing-ab/logo": "identity",
    "/api/v1/staff": "identity",
    "/api/v1/staff/s1": "identity",
    "/api/v1/clients": "identity",
    "/api/v1/clients/c1": "identity",
    "/api/v1/clients/c1/relationships": "identity",
    "/api/v1/contacts": "identity",
    "/api/v1/contacts/p1/portal-access": "identity",
    "/api/v1/portal-access": "identity",
    "/api/v1/invitations": "identity",
    "/api/v1/invitations/i1/resend": "identity",
    "/api/v1/auth/login": "identity",
    "/api/v1/auth/jwks.json": "identity",
    "/api/v1/me": "identity",
    "/api/v1/me/contexts": "identity",
    "/api/v1/clients/c1/folders": "documents",
    "/api/v1/clients/c1/folders/f1": "documents",
    "/api/v1/clients/c1/news": "documents",
    "/api/v1/clients/c1/visits": "documents",
    "/api/v1/uploads/u1/parts/3": "documents",
    "/api/v1/approvals/a1/answer": "documents",
    "/api/v1/clients/c1/requests": "documents",
    "/api/v1/requests": "documents",
    "/api/v1/requests/r1/items/i1/files": "documents",
    "/api/v1/clients/c1/threads": "documents",
    "/api/v1/threads/t1/files": "documents",
    "/api/v1/folders/f1": "documents",
    "/api/v1/folders/f1/documents": "documents",
    "/api/v1/documents/d1": "documents",
    "/api/v1/documents/d1/versions/2/content": "documents",
    "/api/v1/signings": "signing",
    "/api/v1/signings/s1/parties": "signing",
    "/api/v1/sign/t0ken": "signing",
    "/api/v1/sign/t0ken/document": "signing",
    "/api/v1/me/notification-preferences": "notify",
    "/api/v1/me/notification-preferences/email": "notify",
    "/api/v1/notifications": "notify",
    "/api/v1/notifications/n1/read": "notify",
    "/api/v1/webhooks": "notify",
    "/api/v1/webhooks/w1/deliveries": "notify",
    "/api/v1/audit/entries": "notify",
    "/api/v1/audit/export": "notify",
    "/api/v1/billing/plan": "billing",
    "/api/v1/billing/statements/2025-01": "billing",
    "/api/v1/verify": "signing",
}

UNKNOWN = [
    "/api/v1",
    "/api/v1/unknown",
    "/api/v1/firmsandmore",
    "/api/v1/clientsX/c1/folders",
    "/api/v2/firms",
    "/healthz/extra",
    # The gateway's own S3 reads are reached only from a service's X-Accel-Redirect.
    "/_s3/" + "ab" * 32 + "/portal-documents/some/object",
]

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_template_has_only_our_placeholders() -> None:
    text = TEMPLATE.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == PLACEHOLDERS
    # nginx's own variables ($host, ...) are lower case, so string.Template leaves them alone.
    nginx_variables = set(Template(text).get_identifiers()) - PLACEHOLDERS
    assert nginx_variables
    assert all(name == name.lower() for name in nginx_variables)
    assert "${" not in render(local_values(8080))


def test_template_writes_only_under_the_prefix() -> None:
    config = render(local_values(8080))
    assert re.search(r"^events\s*\{", config, re.MULTILINE)
    assert re.search(r"^http\s*\{", config, re.MULTILINE)
    directives = ["pid", "error_log", "access_log"] + [
        f"{kind}_temp_path" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    ]
    for directive in directives:
        found = re.findall(rf"^\s*{directive}\s+(\S+)", config, re.MULTILINE)
        assert found, f"{directive} is missing"
        assert all(not path.startswith("/") for path in found), f"{directive} is absolute"


@pytest.mark.parametrize(("path", "service"), ROUTES.items())
def test_every_public_prefix_reaches_its_service(path: str, service: str) -> None:
    config = render(local_values(8080))
    location = choose(config, path)
    assert location is not None, f"{path} matches no location"
    assert location.upstream == service, f"{path} goes to {location.upstream}, not {service}"
    assert upstreams(config)[service] == f"127.0.0.1:{SERVICE_PORTS[service]}"


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "/api/metrics", "/api/v1/metrics"])
def test_metrics_are_not_routed_to_any_service(path: str) -> None:
    """Each service's /metrics is for the operators' Prometheus inside the network."""
    location = choose(render(local_values(8080)), path)
    assert location is None or location.upstream is None, f"{path} reaches {location.upstream}"


def test_real_nginx_does_not_serve_a_services_metrics(gateway: int) -> None:
    _, _, body = send(gateway, "GET", "/metrics")
    assert b"portal_" not in body
    assert b'"service"' not in body  # no stand-in service answered


@pytest.mark.parametrize("path", UNKNOWN)
def test_unknown_paths_answer_a_problem_404(path: str) -> None:
    config = render(local_values(8080))
    location = choose(config, path)
    assert location is not None
    assert location.upstream is None
    assert "return 404;" in location.body or "internal;" in location.body
    assert re.search(r"^\s*error_page 404 @not_found;", config, re.MULTILINE)
    not_found = next(loc for loc in locations(config) if loc.pattern == "@not_found")
    assert "default_type application/problem+json;" in not_found.body
    assert re.search(r"return 404 '\{.*\"status\":404", not_found.body)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/folders/f1/documents",
        "/api/v1/documents/d1/versions/2/content",
        "/api/v1/signings/s1/attachments",
    ],
)
def test_file_transfers_stream(path: str) -> None:
    location = choose(render(local_values(8080)), path)
    assert location is not None
    for directive in (
        "client_max_body_size 0;",
        "proxy_request_buffering off;",
        "proxy_buffering off;",
        "proxy_read_timeout 3600s;",
    ):
        assert directive in location.body, f"{path}: {directive} missing"


def test_forwarded_headers_are_set() -> None:
    config = render(local_values(8080))
    for header, value in {
        "X-Forwarded-For": "$proxy_add_x_forwarded_for",
        "X-Forwarded-Proto": "$portal_forwarded_proto",
        "X-Request-Id": "$portal_request_id",
        "traceparent": "$http_traceparent",
    }.items():
        assert f"proxy_set_header {header} {value};" in config
    assert "proxy_set_header X-Gateway-S3 /_s3/;" in config
    # Locations that set their own proxy_set_header would drop the server-level ones; only the
    # internal S3 read means to, so that no caller header (a bearer token) reaches S3.
    for location in locations(config):
        if "internal;" in location.body and "proxy_pass" in location.body:
            assert "proxy_pass_request_headers off;" in location.body
        else:
            assert "proxy_set_header" not in location.body, location.pattern


def test_nginx_accepts_the_rendered_template(tmp_path: Path) -> None:
    nginx = nginx_binary()
    config = write_config(tmp_path / "gw", local_values(free_port()))
    result = subprocess.run(
        [nginx, "-t", "-p", str(config.parent), "-e", "error.log", "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def gateway(tmp_path: Path, stand_ins: dict[str, int]) -> Iterator[int]:
    port = free_port()
    with nginx_running(tmp_path / "gw", local_values(port, stand_ins), port):
        yield port


def test_real_nginx_routes_and_forwards(gateway: int) -> None:
    for path, service in ROUTES.items():
        status, _, body = send(
            gateway, "GET", path + "?q=1", **{"X-Request-Id": "req-1", "traceparent": TRACEPARENT}
        )
        assert status == 200, path
        answer = json.loads(body)
        assert answer["service"] == service, path
        assert answer["path"] == path + "?q=1"
        assert answer["headers"]["x-request-id"] == "req-1"
        assert answer["headers"]["traceparent"] == TRACEPARENT
        assert answer["headers"]["x-forwarded-for"] == "127.0.0.1"
        assert answer["headers"]["x-forwarded-proto"] == "http"
        assert answer["headers"]["x-gateway-s3"] == "/_s3/"


def test_real_nginx_makes_a_request_id(gateway: int) -> None:
    _, _, body = send(gateway, "GET", "/api/v1/me")
    assert re.fullmatch(r"[0-9a-f]{32}", json.loads(body)["headers"]["x-request-id"])


def test_real_nginx_answers_unknown_paths_with_problem_json(gateway: int) -> None:
    for path in UNKNOWN:
        status, headers, body = send(gateway, "GET", path)
        assert status == 404, path
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(body)["status"] == 404


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/api/v1/sign/ab%00cd/document", {}, 400),
        ("GET", "/api/v1/me", {"X-Big": "x" * 20_000}, 400),
        ("GET", "/api/v1/clients?q=" + "a" * 20_000, {}, 414),
        ("BREW", "/api/v1/me", {}, 405),
    ],
)
def test_real_nginx_answers_what_it_refuses_with_problem_json(
    gateway: int, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    """A malformed request line, oversized headers or URI, an unknown method: nginx refuses
    them itself, and answers like the services do, never with its HTML pages."""
    answered, answer_headers, body = send(gateway, method, path, **headers)
    assert answered == status
    assert answer_headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == status


def test_real_nginx_answers_its_own_failure_with_problem_json(
    tmp_path: Path, stand_ins: dict[str, int]
) -> None:
    """A JSON body too big for nginx's memory buffer goes to a temporary file; when nginx
    cannot write it, its 500 is problem+json like every other error, not its HTML page."""
    port = free_port()
    with nginx_running(tmp_path / "gw", local_values(port, stand_ins), port) as prefix:
        (prefix / "client_body_temp").chmod(0)
        status, headers, body = send(port, "POST", "/api/v1/clients", b"{}".ljust(200_000),
                                     **{"Content-Type": "application/json"})  # fmt: skip
    assert status == 500
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 500


def test_real_nginx_passes_large_uploads_only_where_files_go(gateway: int) -> None:
    payload = b"x" * (3 * 1024 * 1024)
    status, _, body = send(gateway, "PUT", "/api/v1/documents/d1/content", payload)
    assert status == 200
    assert json.loads(body)["received"] == len(payload)

    status, headers, body = send(gateway, "POST", "/api/v1/contacts", payload)
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 413


# A stand-in object → the type and disposition the service answers it with.
DOWNLOADS = {
    "page.html": ("text/html", False),
    "drawing.svg": ("image/svg+xml", True),
    "invoice.pdf": ("application/pdf", False),
    "contract.pdf": ("application/pdf", True),
}
ETAG = "ab" * 32


class _Downloads(BaseHTTPRequestHandler):
    """A stand-in documents: allows every download and hands it to the gateway to read, with
    the headers shared/http/downloads.py gives (nginx keeps some of them)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        name = self.path.split("/")[4]
        content_type, inline = DOWNLOADS[name]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Disposition", disposition(name, inline=inline))
        self.send_header("Cache-Control", "private, no-store")
        for header, value in protection(content_type, inline=inline).items():
            self.send_header(header, value)
        self.send_header("X-Accel-Redirect", f"/_s3/{ETAG}/bucket/{name}?X-Amz-Signature=x")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


class _S3(BaseHTTPRequestHandler):
    """A stand-in S3, with headers of its own as MinIO sends them."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        name = self.path.split("?")[0].rsplit("/", 1)[1]
        body = f"bytes of {name}".encode()
        self.send_response(200)
        self.send_header("Content-Type", DOWNLOADS[name][0])
        self.send_header("Content-Security-Policy", "block-all-mixed-content")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("ETag", '"s3-etag"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def download_gateway(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    with _serving(_Downloads) as service, _serving(_S3) as s3:
        values = local_values(port, dict.fromkeys(SERVICE_PORTS, service), s3=f"127.0.0.1:{s3}")
        with nginx_running(tmp_path / "gw", values, port):
            yield port


@pytest.mark.parametrize("name", DOWNLOADS)
def test_real_nginx_protects_what_it_reads_from_s3(download_gateway: int, name: str) -> None:
    """nginx drops the service's own protection headers on X-Accel-Redirect and S3's: the
    caller gets the kit's, once each, sandboxed but for a PDF shown inline."""
    content_type, inline = DOWNLOADS[name]
    connection = http.client.HTTPConnection("127.0.0.1", download_gateway, timeout=10)
    try:
        connection.request("GET", f"/api/v1/documents/{name}/content")
        response = connection.getresponse()
        headers = [(k.lower(), v) for k, v in response.getheaders()]
        body = response.read()
    finally:
        connection.close()
    assert (response.status, body) == (200, f"bytes of {name}".encode())
    policies = [v for k, v in headers if k == "content-security-policy"]
    assert policies == [protection(content_type, inline=inline)["Content-Security-Policy"]]
    assert ("sandbox" in policies[0]) == (not (inline and content_type == "application/pdf"))
    assert [v for k, v in headers if k == "x-content-type-options"] == ["nosniff"]
    assert dict(headers)["content-disposition"] == disposition(name, inline=inline)
    assert dict(headers)["etag"] == f'"{ETAG}"'
