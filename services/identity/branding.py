"""A firm's branding and portal address: what the firm sees of it, what anyone sees of it by
the address, the announcement every change makes, and the logo's bytes in S3.

The logo is stored under a key named by its SHA-256 before the row points at it, so a crash
between the two leaves at most an unreferenced object, never a row pointing at nothing; the
object a new logo replaces is removed after the commit.
"""

import hashlib
import io
import logging
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from minio.error import S3Error
from pydantic import BaseModel, Field

from services.identity.domain import slug_free_at, slug_shaped
from services.identity.logos import Logo
from services.identity.settings import IdentitySettings
from services.identity.store import branding
from services.identity.store.branding import BrandingRow, LogoRow
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import Conflict, NotFound
from shared.events.identity import FirmBrandingChanged

if TYPE_CHECKING:
    from services.identity.app import IdentityDeps

Colour = str | None
LOGO_PATH = "/api/v1/branding/{slug}/logo"
log = logging.getLogger(__name__)


class PublicBranding(BaseModel):
    """What anyone may see of a firm by its portal address: how it looks and how its
    customers sign in. Nothing else about the firm."""

    slug: str
    display_name: str
    primary_color: Colour = Field(description="`#rrggbb`; white text on it meets WCAG AA.")
    accent_color: Colour = Field(description="`#rrggbb`; white text on it meets WCAG AA.")
    logo_url: str | None = Field(description="Absolute; names the logo's version.")
    portal_url: str
    sign_in_methods: list[str]


class Branding(BaseModel):
    """The firm's own view: its chosen values (null: not chosen) and what they give."""

    name: str = Field(description="The firm's name, shown where no display name is chosen.")
    display_name: str | None
    primary_color: Colour
    accent_color: Colour
    logo_url: str | None = Field(description="Absolute, public; null without a logo or slug.")
    has_logo: bool
    slug: str | None
    portal_url: str | None


def portal_url(settings: IdentitySettings, slug: str | None) -> str | None:
    return f"{settings.public_url.rstrip('/')}/p/{slug}" if slug else None


def logo_url(settings: IdentitySettings, row: BrandingRow) -> str | None:
    """Public only through a portal address; the version in the query lets it cache."""
    if row.logo_sha256 is None or row.slug is None:
        return None
    path = LOGO_PATH.format(slug=row.slug)
    return f"{settings.public_url.rstrip('/')}{path}?v={row.logo_sha256[:16]}"


def own_view(settings: IdentitySettings, row: BrandingRow) -> Branding:
    return Branding(
        name=row.name, display_name=row.display_name, primary_color=row.primary_color,
        accent_color=row.accent_color, logo_url=logo_url(settings, row),
        has_logo=row.logo_key is not None, slug=row.slug, portal_url=portal_url(settings, row.slug),
    )  # fmt: skip


def public_view(settings: IdentitySettings, row: BrandingRow) -> PublicBranding:
    assert row.slug is not None
    return PublicBranding(
        slug=row.slug, display_name=row.display_name or row.name,
        primary_color=row.primary_color, accent_color=row.accent_color,
        logo_url=logo_url(settings, row), portal_url=portal_url(settings, row.slug) or "",
        sign_in_methods=sorted(row.sign_in_methods),
    )  # fmt: skip


async def announce(
    conn: Connection, settings: IdentitySettings, firm_id: UUID, actor: UUID | None
) -> BrandingRow:
    """The branding as it now is, and its event in the same transaction."""
    row = await branding.get_branding(conn, firm_id)
    assert row is not None
    event = FirmBrandingChanged(
        firm_id=firm_id, display_name=row.display_name, primary_color=row.primary_color,
        accent_color=row.accent_color, logo_url=logo_url(settings, row), slug=row.slug,
        portal_url=portal_url(settings, row.slug),
    )  # fmt: skip
    await put(conn, event, firm_id=firm_id, actor=actor)
    return row


async def move_to(conn: Connection, row: BrandingRow, slug: str, now: datetime) -> None:
    """The firm's address becomes `slug`; the one it leaves redirects and stays the firm's
    for 90 days. 409 if another firm holds `slug`, now or as an old address."""
    if row.slug == slug:
        return
    await branding.retire_slug(conn, row.firm_id, now, slug_free_at(now))
    if not await branding.claim_slug(conn, row.firm_id, slug, now):
        raise Conflict("This portal address is taken; choose another.", field="slug")


async def by_slug(conn: Connection, slug: str, now: datetime) -> tuple[BrandingRow, bool]:
    """The branding at `slug`, and whether `slug` is an old address (the caller redirects to
    the current one). An old address past its 90 days is no one's: 404."""
    found = await branding.find_slug(conn, slug) if slug_shaped(slug) else None
    if found is None or (found.free_at is not None and found.free_at <= now):
        raise NotFound("No firm has this portal address.", field="slug")
    row = await branding.get_branding(conn, found.firm_id)
    if row is None or row.slug is None:
        raise NotFound("No firm has this portal address.", field="slug")
    return row, found.retired_at is not None


async def put_logo(deps: "IdentityDeps", firm_id: UUID, logo: Logo) -> LogoRow:
    """The logo's bytes in S3 under a key named by their digest."""
    sha256 = hashlib.sha256(logo.content).hexdigest()
    stored = LogoRow(key=f"logos/{firm_id}/{sha256}", media_type=logo.media_type, sha256=sha256,
                     size=len(logo.content))  # fmt: skip
    store = deps.store
    await store.run(
        store.client.put_object, store.bucket, stored.key, io.BytesIO(logo.content),
        stored.size, content_type=logo.media_type,
    )  # fmt: skip
    return stored


async def remove_logo(deps: "IdentityDeps", key: str | None, kept: str | None) -> None:
    """The object a change left behind, once nothing points at it. The change is committed
    by then, so a failure here only leaves the object (logged), never fails the request."""
    if key is None or key == kept:
        return
    try:
        await deps.store.run(deps.store.client.remove_object, deps.store.bucket, key)
    except (S3Error, OSError):
        log.warning("could not remove the replaced logo %s", key, exc_info=True)
