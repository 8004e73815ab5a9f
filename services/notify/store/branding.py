"""The replica of each firm's branding (identity's `identity.firm.branding_changed`)."""

from datetime import datetime
from uuid import UUID

from services.notify.models import Brand
from shared.database import Connection


async def upsert_branding(conn: Connection, firm_id: UUID, brand: Brand, at: datetime) -> None:
    """Keyed on the event's time: a late, older event changes nothing."""
    await conn.execute(
        """INSERT INTO firm_branding (firm_id, display_name, primary_color, accent_color,
                                      logo_url, portal_url, changed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (firm_id) DO UPDATE SET display_name = $2, primary_color = $3,
                  accent_color = $4, logo_url = $5, portal_url = $6, changed_at = $7
           WHERE firm_branding.changed_at <= $7""",
        firm_id, brand.display_name, brand.primary_color, brand.accent_color, brand.logo_url,
        brand.portal_url, at,
    )  # fmt: skip


async def get_branding(conn: Connection, firm_id: UUID) -> Brand | None:
    row = await conn.fetchrow(
        """SELECT display_name, primary_color, accent_color, logo_url, portal_url
           FROM firm_branding WHERE firm_id = $1""",
        firm_id,
    )
    return Brand(**row) if row else None
