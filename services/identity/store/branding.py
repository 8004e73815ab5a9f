"""A firm's branding (on its own row) and its portal addresses (`portal_slugs`)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from shared.database import Connection


class BrandingRow(BaseModel):
    firm_id: UUID
    name: str
    display_name: str | None
    primary_color: str | None
    accent_color: str | None
    logo_key: str | None
    logo_type: str | None
    logo_sha256: str | None
    logo_size: int | None
    slug: str | None
    sign_in_methods: list[str]


class SlugRow(BaseModel):
    slug: str
    firm_id: UUID
    retired_at: datetime | None
    free_at: datetime | None


_BRANDING = """SELECT f.id AS firm_id, f.name, f.display_name, f.primary_color, f.accent_color,
                      f.logo_key, f.logo_type, f.logo_sha256, f.logo_size,
                      f.sign_in_methods, s.slug
               FROM firms f
               LEFT JOIN portal_slugs s ON s.firm_id = f.id AND s.retired_at IS NULL"""


async def get_branding(conn: Connection, firm_id: UUID) -> BrandingRow | None:
    """The firm's own row (`id` is the firm id), reached through the token's firm or a slug."""
    row = await conn.fetchrow(f"{_BRANDING} WHERE f.id = $1", firm_id)
    return BrandingRow(**row) if row else None


async def lock_branding(conn: Connection, firm_id: UUID) -> BrandingRow | None:
    """As get_branding, the firm's row locked: changes to one firm's branding are serial.
    The firm's own row (`id` is the firm id), reached through the token's firm."""
    row = await conn.fetchrow(f"{_BRANDING} WHERE f.id = $1 FOR UPDATE OF f", firm_id)
    return BrandingRow(**row) if row else None


async def update_look(
    conn: Connection,
    firm_id: UUID,
    display_name: str | None,
    primary_color: str | None,
    accent_color: str | None,
) -> None:
    """The firm's own row (`id` is the firm id), reached through the token's firm."""
    await conn.execute(
        """UPDATE firms SET display_name = $2, primary_color = $3, accent_color = $4,
                  updated_at = now() WHERE id = $1""",
        firm_id, display_name, primary_color, accent_color,
    )  # fmt: skip


class LogoRow(BaseModel):
    key: str
    media_type: str
    sha256: str
    size: int


async def update_logo(conn: Connection, firm_id: UUID, logo: LogoRow | None) -> None:
    """The firm's own row (`id` is the firm id), reached through the token's firm."""
    await conn.execute(
        """UPDATE firms SET logo_key = $2, logo_type = $3, logo_sha256 = $4, logo_size = $5,
                  updated_at = now() WHERE id = $1""",
        firm_id, *((logo.key, logo.media_type, logo.sha256, logo.size) if logo else (None,) * 4),
    )  # fmt: skip


async def find_slug(conn: Connection, slug: str) -> SlugRow | None:
    """Across firms by design: a portal address is public and names its firm by itself."""
    row = await conn.fetchrow(
        "SELECT slug, firm_id, retired_at, free_at FROM portal_slugs WHERE slug = $1", slug
    )
    return SlugRow(**row) if row else None


async def retire_slug(conn: Connection, firm_id: UUID, now: datetime, free_at: datetime) -> None:
    """The firm's current address becomes an old one: it redirects, and stays the firm's, until
    `free_at`."""
    await conn.execute(
        """UPDATE portal_slugs SET retired_at = $2, free_at = $3
           WHERE firm_id = $1 AND retired_at IS NULL""",
        firm_id, now, free_at,
    )  # fmt: skip


async def claim_slug(conn: Connection, firm_id: UUID, slug: str, now: datetime) -> bool:
    """Make `slug` the firm's current address: a new one, one of its own old ones, or another
    firm's that is free again (`free_at` passed). False if another firm holds it. One statement
    on the slug's primary key, so of two firms racing for it one wins."""
    claimed = await conn.fetchval(
        """INSERT INTO portal_slugs (slug, firm_id, claimed_at) VALUES ($1, $2, $3)
           ON CONFLICT (slug) DO UPDATE
              SET firm_id = excluded.firm_id, claimed_at = excluded.claimed_at,
                  retired_at = NULL, free_at = NULL
            WHERE portal_slugs.firm_id = excluded.firm_id OR portal_slugs.free_at <= $3
           RETURNING true""",
        slug, firm_id, now,
    )  # fmt: skip
    return bool(claimed)
