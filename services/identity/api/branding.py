"""A firm's branding (display name, colours, logo) and its portal address `/p/<slug>`:
changed by owners and admins, read by everyone at the firm, and public by the address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import Field

from services.identity import branding as brand
from services.identity import clock
from services.identity.domain import check_colour, check_slug
from services.identity.logos import MAX_LOGO_BYTES, check_logo
from services.identity.models import Strict
from services.identity.store import branding
from shared.auth import ADMIN_ROLES, Principal
from shared.errors import NotFound, TooLarge
from shared.http.downloads import Download, send
from shared.http.routing import Api

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

api = Api("branding")
CHUNK = 64 * 1024


class LookIn(Strict):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    primary_color: str | None = Field(None, description="`#rrggbb`, white text readable on it.")
    accent_color: str | None = Field(None, description="`#rrggbb`, white text readable on it.")


class SlugIn(Strict):
    slug: str = Field(min_length=1, max_length=100)


@api.get(
    "/api/v1/firms/current/branding",
    summary="The firm's branding and portal address",
    response=brand.Branding,
)
async def get_branding(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> brand.Branding:
    async with deps.db.transaction(readonly=True) as conn:
        row = await branding.get_branding(conn, principal.firm_id)
    assert row is not None
    return brand.own_view(deps.settings, row)


@api.put(
    "/api/v1/firms/current/branding",
    summary="Set the firm's display name and colours (null: the default); colours must keep "
    "white text readable (WCAG AA 4.5:1)",
    access="staff", roles=ADMIN_ROLES, body=LookIn, response=brand.Branding, errors=(422,),
)  # fmt: skip
async def put_look(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: LookIn
) -> brand.Branding:
    primary = check_colour(body.primary_color, "primary_color") if body.primary_color else None
    accent = check_colour(body.accent_color, "accent_color") if body.accent_color else None
    name = body.display_name.strip() if body.display_name and body.display_name.strip() else None
    async with deps.db.transaction() as conn:
        await branding.lock_branding(conn, principal.firm_id)
        await branding.update_look(conn, principal.firm_id, name, primary, accent)
        row = await brand.announce(conn, deps.settings, principal.firm_id, principal.user_id)
    return brand.own_view(deps.settings, row)


@api.put(
    "/api/v1/firms/current/branding/logo",
    summary="Upload the firm's logo: PNG or SVG (no script, no external references), at most "
    "512 KB, judged by its content",
    access="staff", roles=ADMIN_ROLES, raw_body="application/octet-stream",
    response=brand.Branding, errors=(413, 422),
)  # fmt: skip
async def put_logo(
    request: web.Request, *, deps: IdentityDeps, principal: Principal
) -> brand.Branding:
    logo = check_logo(await _body(request))
    stored = await brand.put_logo(deps, principal.firm_id, logo)
    async with deps.db.transaction() as conn:
        before = await branding.lock_branding(conn, principal.firm_id)
        assert before is not None
        await branding.update_logo(conn, principal.firm_id, stored)
        row = await brand.announce(conn, deps.settings, principal.firm_id, principal.user_id)
    await brand.remove_logo(deps, before.logo_key, stored.key)
    return brand.own_view(deps.settings, row)


@api.delete(
    "/api/v1/firms/current/branding/logo",
    summary="Remove the firm's logo (mails and the portal show its name alone)",
    access="staff", roles=ADMIN_ROLES, status=204,
)  # fmt: skip
async def delete_logo(request: web.Request, *, deps: IdentityDeps, principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        before = await branding.lock_branding(conn, principal.firm_id)
        assert before is not None
        await branding.update_logo(conn, principal.firm_id, None)
        await brand.announce(conn, deps.settings, principal.firm_id, principal.user_id)
    await brand.remove_logo(deps, before.logo_key, None)


@api.put(
    "/api/v1/firms/current/slug",
    summary="Choose the firm's portal address /p/<slug>; the old one redirects for 90 days",
    access="staff", roles=ADMIN_ROLES, body=SlugIn, response=brand.Branding, errors=(409, 422),
)  # fmt: skip
async def put_slug(
    request: web.Request, *, deps: IdentityDeps, principal: Principal, body: SlugIn
) -> brand.Branding:
    slug = check_slug(body.slug.strip())
    async with deps.db.transaction() as conn:
        row = await branding.lock_branding(conn, principal.firm_id)
        assert row is not None
        await brand.move_to(conn, row, slug, clock.now())
        row = await brand.announce(conn, deps.settings, principal.firm_id, principal.user_id)
    return brand.own_view(deps.settings, row)


@api.get(
    "/api/v1/branding/{slug}",
    summary="A firm's public branding and sign-in methods by its portal address (an old "
    "address answers 301 to the current one)",
    access="public", response=brand.PublicBranding, errors=(404,), redirects=(301,),
)  # fmt: skip
async def get_public(request: web.Request, *, deps: IdentityDeps) -> brand.PublicBranding:
    async with deps.db.transaction(readonly=True) as conn:
        row, old = await brand.by_slug(conn, request.match_info["slug"], clock.now())
    if old:
        _moved(f"/api/v1/branding/{row.slug}")
    return brand.public_view(deps.settings, row)


@api.get(
    "/api/v1/branding/{slug}/logo",
    summary="A firm's logo by its portal address (public, cacheable)",
    access="public", raw_response="*/*", errors=(404,), redirects=(301,),
)  # fmt: skip
async def get_logo(request: web.Request, *, deps: IdentityDeps) -> web.StreamResponse:
    async with deps.db.transaction(readonly=True) as conn:
        row, old = await brand.by_slug(conn, request.match_info["slug"], clock.now())
    if old:
        _moved(brand.LOGO_PATH.format(slug=row.slug), request.query_string)
    if row.logo_key is None or row.logo_type is None or row.logo_sha256 is None:
        raise NotFound("The firm has no logo.")
    logo = Download(
        key=row.logo_key, name=f"logo.{'png' if row.logo_type == 'image/png' else 'svg'}",
        content_type=row.logo_type, sha256=row.logo_sha256, size=row.logo_size or 0,
        inline=True, cache_control=f"public, max-age={deps.settings.logo_cache_seconds}",
    )  # fmt: skip
    return await send(request, deps.store, logo, proxies=deps.settings.proxies, chunk_bytes=CHUNK)


def _moved(path: str, query: str = "") -> None:
    raise web.HTTPMovedPermanently(
        path + (f"?{query}" if query else ""), headers={"Cache-Control": "no-cache"}
    )


async def _body(request: web.Request) -> bytes:
    """The request body, refused (413) as soon as it passes the logo limit."""
    if request.content_length is not None and request.content_length > MAX_LOGO_BYTES:
        raise TooLarge(f"A logo may be at most {MAX_LOGO_BYTES // 1024} KB.", field="logo")
    parts, size = [], 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > MAX_LOGO_BYTES:
            raise TooLarge(f"A logo may be at most {MAX_LOGO_BYTES // 1024} KB.", field="logo")
        parts.append(chunk)
    return b"".join(parts)
