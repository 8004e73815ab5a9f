"""Routes declared once: the same pydantic models validate requests and describe them in OpenAPI.

A handler is `async def handler(request, *, deps, principal=..., body=..., query=...)`: the
service's dependencies object always (in a service that builds one), and the rest only as its
route declares. It returns a pydantic model (JSON), a StreamResponse, or None (204).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ValidationError

from shared.auth import PRINCIPAL, Principal
from shared.errors import Forbidden, Invalid, NotFound, Unauthorized, UnsupportedMediaType

# The service's one dependencies object, built at start (shared/service.py); handed to routes.
DEPS = web.AppKey("deps", object)

Access = Literal["public", "signed_in", "staff", "contact"]
Endpoint = Callable[..., Awaitable[Any]]
INT64 = (-(2**63), 2**63 - 1)  # PostgreSQL's bigint


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Endpoint
    tag: str
    summary: str
    access: Access
    roles: frozenset[str]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    raw_body: str | None
    raw_response: str | tuple[str, ...] | None  # one media type, or those the query chooses from
    redirects: tuple[int, ...] = ()  # 3xx the route may answer, with a Location


class Api:
    """A group of routes under one OpenAPI tag."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        access: Access = "signed_in",
        roles: tuple[str, ...] = (),
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
        raw_body: str | None = None,
        raw_response: str | tuple[str, ...] | None = None,
        redirects: tuple[int, ...] = (),
    ) -> Callable[[Endpoint], Endpoint]:
        """Declare a route. `raw_body`/`raw_response` name a media type the handler streams."""

        def register(handler: Endpoint) -> Endpoint:
            self.routes.append(
                Route(
                    method.upper(),
                    path,
                    handler,
                    self.tag,
                    summary,
                    access,
                    frozenset(roles),
                    body,
                    query,
                    response,
                    status,
                    errors,
                    raw_body,
                    raw_response,
                    redirects,
                )
            )
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("DELETE", path, **kw)

    def install(self, app: web.Application) -> None:
        for route in self.routes:
            app.router.add_route(route.method, route.path, _endpoint(route))


def _endpoint(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def endpoint(request: web.Request) -> web.StreamResponse:
        kwargs: dict[str, Any] = {}
        if DEPS in request.app:  # always, in a service; a bare app (a kit test) has none
            kwargs["deps"] = request.app[DEPS]
        if route.access != "public":
            kwargs["principal"] = authorise(request, route)
        if route.query is not None:
            kwargs["query"] = _validate(route.query, dict(request.query), "query")
        if route.body is not None:
            kwargs["body"] = await _parse_body(request, route.body)
        result = await route.handler(request, **kwargs)
        return _respond(route, result)

    endpoint.__name__ = route.handler.__name__
    return endpoint


def authorise(request: web.Request, route: Route) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise Unauthorized("Sign in first: this needs a valid access token.")
    if route.access == "staff" and principal.kind != "staff":
        raise Forbidden("Only the firm's staff may do this.")
    if route.access == "contact" and principal.kind != "contact":
        raise Forbidden("Only customer contacts may do this.")
    if route.roles and principal.role not in route.roles:
        raise Forbidden(f"Needs one of the roles: {', '.join(sorted(route.roles))}.")
    return principal


def principal_of(request: web.Request) -> Principal | None:
    return request.get(PRINCIPAL)


def path_uuid(request: web.Request, name: str) -> UUID:
    """A UUID from the path; a malformed one is simply not found."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound(f"No such {name.removesuffix('_id')}.") from None


async def _parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if not request.body_exists:
        raise Invalid("A JSON body is required.", field="body")
    if not is_json(request.content_type):
        # Read as JSON whatever it claims, a form post from another site (a "simple" request
        # that needs no CORS preflight) could act with a victim's cookie or be mistaken for a
        # file; so a body must say it is JSON.
        raise UnsupportedMediaType(
            f"The body must be application/json, not {request.content_type}.", field="body"
        )
    raw = await request.read()
    if not raw:
        raise Invalid("A JSON body is required.", field="body")
    try:
        parsed = model.model_validate_json(raw)
    except ValidationError as error:
        raise _invalid(error, "body") from None
    _refuse_unstorable(parsed, ())
    return parsed


def is_json(media_type: str) -> bool:
    """application/json, or a structured type ending in +json (RFC 6839)."""
    kind = media_type.lower()
    structured = kind.startswith("application/") and kind.endswith("+json")
    return kind == "application/json" or structured


def _validate(model: type[BaseModel], data: dict[str, Any], where: str) -> BaseModel:
    try:
        parsed = model.model_validate(data)
    except ValidationError as error:
        raise _invalid(error, where) from None
    _refuse_unstorable(parsed, ())
    return parsed


def _refuse_unstorable(value: Any, path: tuple[str | int, ...]) -> None:
    """What PostgreSQL cannot hold, text with a NUL character or an integer beyond 64 bits,
    is refused here, by field, rather than fail on its way into the database."""
    if isinstance(value, str) and "\x00" in value:
        raise _unstorable(path, "text may not contain the NUL character")
    if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
        raise _unstorable(path, "the number is out of range")
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _refuse_unstorable(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key, (*path, str(key)))
            _refuse_unstorable(item, (*path, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _refuse_unstorable(item, (*path, index))


def _unstorable(path: tuple[str | int, ...], why: str) -> Invalid:
    field = ".".join(str(p) for p in path)
    return Invalid(f"{field}: {why}.", field=field)


def _invalid(error: ValidationError, where: str) -> Invalid:
    problems = [
        {"field": ".".join(str(p) for p in e["loc"]) or where, "message": e["msg"]}
        for e in error.errors(include_url=False)
    ]
    first = problems[0]
    if error.errors()[0]["type"] == "json_invalid":
        return Invalid("The body is not valid JSON.", field=where)
    return Invalid(f"{first['field']}: {first['message']}", field=first["field"], errors=problems)


def _respond(route: Route, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if result is None:
        return web.Response(status=204)
    if isinstance(result, BaseModel):
        return web.json_response(text=result.model_dump_json(), status=route.status)
    raise TypeError(f"{route.handler.__name__} returned {type(result).__name__}")
