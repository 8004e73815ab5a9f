"""Stand-in services for the gateway's tests: each answers its name and what it received."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.deploy.gateway import SERVICE_PORTS


class _Echo(BaseHTTPRequestHandler):
    """A stand-in service: answers its name, the path and the headers it received."""

    protocol_version = "HTTP/1.1"
    service = ""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            chunk = self.rfile.read(min(65536, length - received))
            if not chunk:
                break
            received += len(chunk)
        body = json.dumps(
            {
                "service": self.service,
                "path": self.path,
                "received": received,
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def echoing_services() -> Iterator[dict[str, int]]:
    """A stand-in for each service; yields their ports."""
    servers = {}
    for name in SERVICE_PORTS:
        handler = type(f"Echo_{name}", (_Echo,), {"service": name})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    try:
        yield {name: server.server_address[1] for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


@pytest.fixture
def stand_ins() -> Iterator[dict[str, int]]:
    with echoing_services() as ports:
        yield ports


@pytest.fixture(scope="module")
def stand_ins_module() -> Iterator[dict[str, int]]:
    with echoing_services() as ports:
        yield ports
