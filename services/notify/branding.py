"""What every mail of a firm shows of the firm: its name (the display name it chose), its logo,
its colours and its portal address, from the replica of identity's branding event.

The colours go into `style` attributes, where HTML escaping is no defence, so only `#rrggbb`
is used (identity checks the same, and its event's schema says so; a replica row is still
not trusted for markup). White text on either colour meets WCAG AA (identity refuses less).
"""

import re
from typing import Any
from uuid import UUID

from services.notify.models import Brand
from services.notify.store import branding
from shared.database import Connection

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def mail_values(brand: Brand, firm_name: str, public_url: str) -> dict[str, Any]:
    """The template variables of a firm's branding; without any, the plain product look."""
    return {
        "firm_name": brand.display_name or firm_name,
        "portal_url": brand.portal_url or public_url.rstrip("/"),
        "logo_url": brand.logo_url if brand.logo_url and _https_or_http(brand.logo_url) else None,
        "primary_color": _colour(brand.primary_color),
        "accent_color": _colour(brand.accent_color),
    }


async def firm_mail_values(
    conn: Connection, firm_id: UUID | None, firm_name: str, public_url: str
) -> dict[str, Any]:
    """As `mail_values`, for the firm a mail is about (none: the product's own mail)."""
    brand = await branding.get_branding(conn, firm_id) if firm_id else None
    return mail_values(brand or Brand(), firm_name, public_url)


def _colour(value: str | None) -> str | None:
    return value.lower() if value and _COLOUR.match(value) else None


def _https_or_http(url: str) -> bool:
    return url.startswith(("https://", "http://"))
