"""Sessions for the web portal: the refresh token lives only in an HttpOnly cookie.

An API client (mobile, integration) gets both tokens in the JSON body, as before. A browser asks
for the cookie mode with the header `X-Session-Mode: browser` on any call that issues tokens
(sign-in, registration, one-time and secret links, invitation, TOTP, eID, switch, firm sign-up):
the answer then carries the access token only (the page keeps it in memory), and the refresh
token goes into a `portal_refresh` cookie that is `HttpOnly`, `SameSite=Strict`, `Secure` when
the portal is served over https, and scoped to `/api/v1/auth/browser`, the only two routes that
read it: `refresh` (a new access token, the cookie rotated) and `sign-out` (the session revoked,
the cookie cleared). Every cookie-mode call must come from the portal's own origin (`Origin`
equal to PORTAL_PUBLIC_URL's), so another site cannot make a browser use the cookie.
"""

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel

from services.identity.models import Context, Tokens
from services.identity.revocations import ended
from services.identity.sessions import refresh
from services.identity.settings import IdentitySettings
from services.identity.store import accounts
from services.identity.tokens import digest
from shared.errors import DomainError, Forbidden, Unauthorized
from shared.http.routing import DEPS, Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

MODE_HEADER = "X-Session-Mode"
COOKIE = "portal_refresh"
COOKIE_PATH = "/api/v1/auth/browser"
ISSUING_PREFIXES = ("/api/v1/auth/", "/api/v1/firms/confirm", "/api/v1/me/invitations/")


class BrowserTokens(BaseModel):
    """What a browser gets: the access token only; the refresh token is in the cookie."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    context: Context


class BrowserApi(Api):
    """The browser routes, and the middleware that moves refresh tokens into the cookie."""

    def install(self, app: web.Application) -> None:
        super().install(app)
        app.middlewares.append(cookie_mode)


api = BrowserApi("browser")


def portal_origin(settings: IdentitySettings) -> str:
    url = urlsplit(settings.public_url)
    return f"{url.scheme}://{url.netloc}"


def require_same_origin(request: web.Request, settings: IdentitySettings) -> None:
    if request.headers.get("Origin") != portal_origin(settings):
        raise Forbidden("Browser sessions are served to the portal's own pages only.")


def set_cookie(settings: IdentitySettings, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="Strict",
        secure=portal_origin(settings).startswith("https:"),
        max_age=settings.refresh_token_days * 86400,
    )  # fmt: skip


def _without_refresh_token(body: Any) -> str | None:
    """Take the refresh token out of a token-issuing answer (top level, or under `tokens`)."""
    holder = body.get("tokens") if isinstance(body, dict) and "tokens" in body else body
    if isinstance(holder, dict) and isinstance(holder.get("refresh_token"), str):
        return holder.pop("refresh_token")
    return None


@web.middleware
async def cookie_mode(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    wanted = request.headers.get(MODE_HEADER) == "browser"
    if not wanted or request.method != "POST" or not request.path.startswith(ISSUING_PREFIXES):
        return await handler(request)
    # Plumbing around the routes, like the route kit itself: the settings come with the
    # dependencies the kit built for this service.
    settings = request.app[DEPS].settings  # type: ignore[attr-defined]
    require_same_origin(request, settings)
    response = await handler(request)
    if not isinstance(response, web.Response) or response.body is None or response.status >= 300:
        return response
    body = json.loads(response.body)  # type: ignore[arg-type]
    token = _without_refresh_token(body)
    if token is None:
        return response
    answer = web.json_response(body, status=response.status)
    set_cookie(settings, answer, token)
    return answer


@api.post(
    f"{COOKIE_PATH}/refresh",
    summary="Browser: a new access token from the session cookie (the cookie is rotated)",
    access="public",
    response=BrowserTokens,
    errors=(401, 403),
)
async def browser_refresh(request: web.Request, *, deps: "IdentityDeps") -> web.Response:
    require_same_origin(request, deps.settings)
    token = request.cookies.get(COOKIE)
    if not token:
        raise Unauthorized("No browser session: sign in.")
    async with deps.db.transaction() as conn:
        outcome = await refresh(deps, conn, token)
    if isinstance(outcome, DomainError):
        raise outcome
    return _answer(deps.settings, outcome)


def _answer(settings: IdentitySettings, tokens: Tokens) -> web.Response:
    body = BrowserTokens(**tokens.model_dump(exclude={"refresh_token"}))
    response = web.json_response(text=body.model_dump_json())
    set_cookie(settings, response, tokens.refresh_token)
    return response


@api.post(
    f"{COOKIE_PATH}/sign-out",
    summary="Browser: end the session in the cookie and clear the cookie",
    access="public",
    status=204,
    errors=(403,),
)
async def browser_sign_out(request: web.Request, *, deps: "IdentityDeps") -> web.Response:
    require_same_origin(request, deps.settings)
    token = request.cookies.get(COOKIE)
    if token:
        async with deps.db.transaction() as conn:
            found = await accounts.lock_refresh_token(conn, digest(token))
            if found is not None:
                await ended(conn, await accounts.revoke_session(conn, found[0]), None)
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path=COOKIE_PATH)
    return response
