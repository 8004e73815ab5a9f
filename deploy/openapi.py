"""The five services' OpenAPI documents, generated offline from their routes (no server runs).

`python -m deploy.openapi --write docs/openapi` writes `<service>.json` for each service;
`--check docs/openapi` exits 1 when a written document is stale. The web app's typed client
(web/src/api/schema/*.ts) is generated from these files by `scripts/api-client`.
"""

import argparse
import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import make_mocked_request

SERVICES = ("identity", "documents", "signing", "notify", "billing")


def document(service: str) -> dict[str, Any]:
    """The very document the service serves at /openapi.json: its app is built with default
    settings (building connects to nothing) and the route's handler is called in-process."""
    app_module = importlib.import_module(f"services.{service}.app")
    settings = importlib.import_module(f"services.{service}.settings")
    app = app_module.create_app(getattr(settings, f"{service.capitalize()}Settings")())
    request = make_mocked_request("GET", "/openapi.json", app=app)
    for route in app.router.routes():
        if route.resource is not None and route.resource.canonical == "/openapi.json":
            response = asyncio.run(route.handler(request))
            return json.loads(response.body)
    raise LookupError(f"{service} serves no /openapi.json")


def text(service: str) -> str:
    return json.dumps(document(service), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.openapi")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--check", type=Path, help="exit 1 if a document in DIR is stale")
    target.add_argument("--write", type=Path, help="write every document into DIR")
    args = parser.parse_args()
    stale = []
    for service in SERVICES:
        wanted = text(service)
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            (args.write / f"{service}.json").write_text(wanted)
            continue
        path = args.check / f"{service}.json"
        if not path.exists() or path.read_text() != wanted:
            stale.append(str(path))
    if stale:
        print(f"stale: {', '.join(stale)}; run scripts/api-client")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
