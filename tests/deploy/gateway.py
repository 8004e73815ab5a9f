"""Reading the gateway template: render it as the local run does, parse its upstreams and
locations, and pick the location nginx would pick for a path; and run it in a real nginx."""

import http.client
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import pytest

from tests.support.infra import wait_until

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "gateway" / "nginx.conf.template"

SERVICE_PORTS = {
    "identity": 8101,
    "documents": 8102,
    "signing": 8103,
    "notify": 8104,
    "billing": 8105,
}
S3_PORT = 8333
WEB_ROOT = ROOT / "web" / "dist"
PLACEHOLDERS = {
    "GATEWAY_PORT",
    "S3_UPSTREAM",
    "WEB_ROOT",
    "GATEWAY_TRUSTED_PROXY",
    "GATEWAY_HSTS",
    "GATEWAY_AUTH_RATE",
    "API_ROOT",
} | {f"{name.upper()}_UPSTREAM" for name in SERVICE_PORTS}
# The committed documents are laid out as the gateway serves them (but for Swagger UI's files,
# which `python -m deploy.openapi --site` adds).
API_ROOT = ROOT / "docs"
# A test signs many people in from one address; the limit itself is tested at its real rate.
TESTS_AUTH_RATE = "1000r/s"

_LOCATION = re.compile(r"^\s*location\s+(?:(=|~\*|~|\^~)\s+)?(\S+)\s*\{", re.MULTILINE)
_UPSTREAM = re.compile(r"^\s*upstream\s+(\w+)\s*\{([^}]*)\}", re.MULTILINE)
_PROXY_PASS = re.compile(r"^\s*proxy_pass\s+http://([\w.:-]+)\s*;", re.MULTILINE)


def local_values(
    port: int,
    upstreams: dict[str, int] | None = None,
    s3: str = f"127.0.0.1:{S3_PORT}",
    web_root: Path = WEB_ROOT,
    hsts: str = "",
    api_root: Path = API_ROOT,
    auth_rate: str = TESTS_AUTH_RATE,
) -> dict[str, str]:
    ports = upstreams or SERVICE_PORTS
    values = {f"{name.upper()}_UPSTREAM": f"127.0.0.1:{ports[name]}" for name in SERVICE_PORTS}
    return {
        **values,
        "GATEWAY_PORT": f"127.0.0.1:{port}",
        "S3_UPSTREAM": s3,
        "WEB_ROOT": str(web_root),
        "GATEWAY_TRUSTED_PROXY": "127.0.0.1/32",
        "GATEWAY_HSTS": hsts,
        "GATEWAY_AUTH_RATE": auth_rate,
        "API_ROOT": str(api_root),
    }


def render(values: dict[str, str]) -> str:
    """The template filled the way the local runner fills it (string.Template)."""
    return Template(TEMPLATE.read_text()).safe_substitute(values)


@dataclass(frozen=True)
class Location:
    modifier: str  # "" (prefix), "=", "^~", "~" or "~*"
    pattern: str
    body: str

    @property
    def upstream(self) -> str | None:
        found = _PROXY_PASS.search(self.body)
        return found.group(1) if found else None


def _block(text: str, start: int) -> str:
    """The text between the brace before `start` and its matching closing brace."""
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    raise ValueError("unbalanced braces")


def locations(config: str) -> list[Location]:
    return [
        Location(m.group(1) or "", m.group(2), _block(config, m.end()))
        for m in _LOCATION.finditer(config)
    ]


def upstreams(config: str) -> dict[str, str]:
    """upstream name → its server address."""
    found = {}
    for name, body in _UPSTREAM.findall(config):
        server = re.search(r"server\s+(\S+?)\s*;", body)
        assert server, f"upstream {name} has no server"
        found[name] = server.group(1)
    return found


def choose(config: str, path: str) -> Location | None:
    """The location nginx picks for `path`: an exact match; else the longest prefix, unless it
    is `^~` the first matching regex in file order wins over it."""
    every = [loc for loc in locations(config) if not loc.pattern.startswith("@")]
    for loc in every:
        if loc.modifier == "=" and loc.pattern == path:
            return loc
    prefixes = [loc for loc in every if loc.modifier in ("", "^~") and path.startswith(loc.pattern)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for loc in every:
        flags = re.IGNORECASE if loc.modifier == "~*" else 0
        if loc.modifier in ("~", "~*") and re.search(loc.pattern, path, flags):
            return loc
    return longest


def nginx_binary() -> str:
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(prefix: Path, values: dict[str, str]) -> Path:
    prefix.mkdir(parents=True, exist_ok=True)
    config = prefix / "nginx.conf"
    config.write_text(render(values))
    return config


@contextmanager
def nginx_running(prefix: Path, values: dict[str, str], port: int) -> Iterator[Path]:
    """nginx with the rendered template under `prefix`, listening on `port`; yields the prefix
    (its access.log and error.log are there)."""
    nginx = nginx_binary()
    config = write_config(prefix, values)
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-e", "error.log", "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, (prefix / "error.log").read_text(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.05)
        yield prefix
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


async def logged_requests(prefix: Path, count: int) -> list[dict[str, Any]]:
    """The access log's entries once it holds `count`: nginx writes a request's line after the
    response has gone, so a caller that has read the response may be ahead of it."""

    def entries() -> list[dict[str, Any]]:
        log = prefix / "access.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return [json.loads(line) for line in lines]

    await wait_until(lambda: len(entries()) >= count)
    return entries()


def send(
    port: int, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """One request to the gateway on `port`: its status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
