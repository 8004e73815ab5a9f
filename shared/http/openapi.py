"""The OpenAPI 3.1 document of a service, generated from its routes' pydantic models."""

import re
from collections import Counter
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.errors import PROBLEM_TYPES
from shared.http.routing import Route

# Every document's operations are reached through the gateway, on the portal's own origin.
SERVERS = [{"url": "/", "description": "The gateway, on the portal's own origin."}]

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")
_PROBLEM_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    402: "Payment required",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    410: "No longer available",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    503: "Temporarily unavailable",
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `field` names the input at fault.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {
            "type": "string",
            "format": "uri-reference",
            "description": "The kind of problem, a fragment of /api/problems where each is "
            "explained: "
            + ", ".join(f"`{t.uri}` ({status})" for status, t in sorted(PROBLEM_TYPES.items())),
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def openapi_document(title: str, description: str, routes: list[Route]) -> dict[str, Any]:
    refs, schemas = _schemas(routes)
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    _unique_operation_ids(routes, paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0", "description": description},
        "servers": SERVERS,
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


def _unique_operation_ids(routes: list[Route], paths: dict[str, Any]) -> None:
    """OpenAPI wants every operationId unique, and generated clients rely on it: two handlers
    of one name (an `accept` in two modules) are told apart by their module's name."""
    names = Counter(route.handler.__name__ for route in routes)
    for route in routes:
        if names[route.handler.__name__] > 1:
            module = route.handler.__module__.rsplit(".", 1)[-1]
            operation = paths[route.path][route.method.lower()]
            operation["operationId"] = f"{module}_{route.handler.__name__}"


def _schemas(routes: list[Route]) -> tuple[dict[Any, Any], dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], Any]] = []
    for route in routes:
        wanted += [(m, "validation") for m in (route.body, route.query) if m is not None]
        if route.response is not None:
            wanted.append((route.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    if not unique:
        return {}, {}
    refs, top = models_json_schema(unique, ref_template=REF)
    return refs, dict(top.get("$defs", {}))


def _operation(route: Route, refs: dict[Any, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": _path_parameters(route) + _query_parameters(route, refs),
        "responses": _responses(route, refs),
    }
    if route.handler.__doc__:
        operation["description"] = " ".join(route.handler.__doc__.split())
    # A public operation says so: no scheme, rather than none named.
    operation["security"] = [] if route.access == "public" else [{"bearer": []}]
    if route.body is not None:
        schema = refs[(route.body, "validation")]
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    elif route.raw_body:
        operation["requestBody"] = {
            "required": True,
            "content": {route.raw_body: {"schema": {"type": "string", "format": "binary"}}},
        }
    return operation


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"}
            if name.endswith("_id")
            else {"type": "string"},
        }
        for name in _PATH_PARAM.findall(route.path)
    ]


def _query_parameters(route: Route, refs: dict[Any, Any]) -> list[dict[str, Any]]:
    if route.query is None:
        return []
    schema = route.query.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _responses(route: Route, refs: dict[Any, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if route.response is not None:
        schema = refs[(route.response, "serialization")]
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"application/json": {"schema": schema}},
        }
    elif route.raw_response:
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in _media_types(route.raw_response)
            },
        }
    else:
        responses[str(route.status)] = {"description": route.summary}
    for status in route.redirects:
        responses[str(status)] = {
            "description": "Moved: `Location` names where it is now",
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
        }
    for status in _error_statuses(route):
        responses[str(status)] = {
            "description": _PROBLEM_TITLES.get(status, "Error"),
            "content": {
                "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}
            },
        }
    return responses


def _error_statuses(route: Route) -> list[int]:
    statuses = set(route.errors)
    if route.access != "public":
        statuses.add(401)
    if route.access in ("staff", "contact") or route.roles:
        statuses.add(403)
    if route.body is not None or route.query is not None:
        statuses.add(422)
    if route.body is not None:
        # A JSON body past the size the gateway and aiohttp take (1 MB), or not JSON at all.
        statuses.update((413, 415))
    if "{" in route.path:
        statuses.add(404)
    return sorted(statuses)


def _media_types(raw: str | tuple[str, ...]) -> tuple[str, ...]:
    return (raw,) if isinstance(raw, str) else raw
