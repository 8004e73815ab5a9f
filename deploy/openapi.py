"""The five services' OpenAPI documents, generated offline from their routes (no server runs),
and the public API site the gateway serves.

`python -m deploy.openapi --write docs/openapi` writes `<service>.json` for each service and
`docs/openapi.json`, all of them merged (the one public document), and `docs/problems.html`
(each kind of problem, where the `type` URIs point); `--check docs/openapi`
exits 1 when a written document is stale. The web app's typed client
(web/src/api/schema/*.ts) is generated from the per-service files by `scripts/api-client`.

`python -m deploy.openapi --site DIR --swagger-ui DIST` puts together what the gateway serves
under /api/ (its API_ROOT) from those files: `openapi.json`, `asyncapi.json`, `problems.html`
and `docs/`, Swagger UI's static files (npm's swagger-ui-dist, DIST) showing the merged
document from the same origin — as deploy/gateway/Dockerfile does in the image.
"""

import argparse
import asyncio
import html
import importlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import make_mocked_request

from shared.errors import PROBLEM_TYPES
from shared.http.openapi import SERVERS

SERVICES = ("identity", "documents", "signing", "notify", "billing")
# The kit's own routes: each service answers them, the gateway routes none of them.
SYSTEM_PATHS = ("/healthz", "/readyz", "/openapi.json")
ROOT = Path(__file__).resolve().parents[1]
# API_ROOT's files: where each comes from in the repository.
SITE = {
    "docs/openapi.json": "openapi.json",
    "docs/asyncapi.json": "asyncapi.json",
    "docs/problems.html": "problems.html",
    "deploy/gateway/swagger-initializer.js": "docs/swagger-initializer.js",
}
SWAGGER_UI_FILES = (
    "index.html",
    "index.css",
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
)
DESCRIPTION = """The public API of the client portal, reached through the gateway on the
portal's own origin. Access tokens (`Authorization: Bearer`) come from identity's sign-in
routes under `/api/v1/auth/`; operations with an empty `security` are public. Every error is
`application/problem+json` (RFC 9457) whose `type` names its kind, explained at
[/api/problems](/api/problems). The events other systems can subscribe to are described in
AsyncAPI at [/api/asyncapi.json](/api/asyncapi.json)."""


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


def merged(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One document of every service's public operations. A schema name two services use
    for different schemas is prefixed with its service's name in that service's part; an
    operationId used twice likewise."""
    documents = {name: _renamed(name, doc, documents) for name, doc in documents.items()}
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    operation_ids: set[str] = set()
    for name, doc in documents.items():
        for path, item in doc["paths"].items():
            if path in SYSTEM_PATHS:
                continue
            if path in paths:
                raise ValueError(f"{path} is served by two services")
            paths[path] = item
            for operation in item.values():
                if operation["operationId"] in operation_ids:
                    operation["operationId"] = f"{name}_{operation['operationId']}"
                operation_ids.add(operation["operationId"])
        schemas |= doc["components"]["schemas"]
    first = next(iter(documents.values()))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Client portal API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": SERVERS,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": first["components"]["securitySchemes"],
        },
    }


def _renamed(name: str, doc: dict[str, Any], others: dict[str, dict[str, Any]]) -> dict[str, Any]:
    schemas = doc["components"]["schemas"]
    clashing = [
        schema_name
        for schema_name, schema in schemas.items()
        if any(
            o["components"]["schemas"].get(schema_name, schema) != schema
            for other, o in others.items()
            if other != name
        )
    ]
    text = json.dumps(doc)
    for schema_name in clashing:
        prefixed = f"{name.capitalize()}{schema_name}"
        text = text.replace(
            f'"#/components/schemas/{schema_name}"', f'"#/components/schemas/{prefixed}"'
        )
    renamed = json.loads(text)
    found = renamed["components"]["schemas"]
    for schema_name in clashing:
        found[f"{name.capitalize()}{schema_name}"] = found.pop(schema_name)
    return renamed


def problems_page() -> str:
    """The page every problem's `type` points into, one anchored entry per kind."""
    entries = "\n".join(
        f'<dt id="{t.slug}"><code>{t.uri}</code> — {html.escape(t.title)} ({status})</dt>'
        f"<dd>{html.escape(t.meaning)}</dd>"
        for status, t in sorted(PROBLEM_TYPES.items())
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Client portal API: problems</title></head><body>"
        "<h1>Problems</h1><p>Every error of the API is <code>application/problem+json</code> "
        "(RFC 9457). Its <code>type</code> is one of these; <code>title</code> and "
        "<code>detail</code> are for people, <code>field</code> names the input at fault."
        f"</p><dl>\n{entries}\n</dl></body></html>\n"
    )


def write_site(site: Path, swagger_ui: Path) -> None:
    """The files the gateway image holds under API_ROOT (deploy/gateway/Dockerfile copies the
    same), from the committed documents."""
    (site / "docs").mkdir(parents=True, exist_ok=True)
    for source, target in SITE.items():
        shutil.copyfile(ROOT / source, site / target)
    for name in SWAGGER_UI_FILES:
        shutil.copyfile(swagger_ui / name, site / "docs" / name)


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def text(service: str) -> str:
    return _json(document(service))


def texts() -> dict[Path, str]:
    """Each service's document, and beside the folder the merged one and the problems page:
    file name → text."""
    documents = {service: document(service) for service in SERVICES}
    found = {Path(f"{service}.json"): _json(doc) for service, doc in documents.items()}
    found[Path("..") / "openapi.json"] = _json(merged(documents))
    found[Path("..") / "problems.html"] = problems_page()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.openapi")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--check", type=Path, help="exit 1 if a document in DIR is stale")
    target.add_argument("--write", type=Path, help="write every document into DIR")
    target.add_argument("--site", type=Path, help="write the gateway's /api/ files into DIR")
    parser.add_argument("--swagger-ui", type=Path, help="swagger-ui-dist's folder (--site)")
    args = parser.parse_args()
    if args.site:
        if not args.swagger_ui:
            parser.error("--site needs --swagger-ui")
        write_site(args.site, args.swagger_ui)
        return 0
    stale = []
    for name, wanted in texts().items():
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            (args.write / name).write_text(wanted)
            continue
        path = args.check / name
        if not path.exists() or path.read_text() != wanted:
            stale.append(str(path))
    if stale:
        print(f"stale: {', '.join(stale)}; run scripts/api-client")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
