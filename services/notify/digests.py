"""Daily digests: once a day per user, from the configured hour in their time zone, one email
listing what they chose to get as digest; nothing when there is nothing.

Every replica runs the job; a transaction-scoped advisory lock lets one compose at a time,
and the digest's delivery key (user + local date) would stop a second email regardless.
"""

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from services.notify import domain
from services.notify.branding import firm_mail_values
from services.notify.models import Firm, NewDelivery
from services.notify.store import deliveries, feed, preferences, replicas
from shared.database import Connection

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps

log = logging.getLogger(__name__)

DIGEST_LOCK = 0x6E6F74696679  # "notify"


def digest_event_id(firm_id: UUID, user_id: UUID, day: object) -> UUID:
    return uuid5(NAMESPACE_URL, f"notify-digest:{firm_id}:{user_id}:{day}")


async def send_due_digests(deps: "NotifyDeps", now: datetime | None = None) -> int:
    """Queue every digest that is due; returns how many were queued."""
    now = now or datetime.now(UTC)
    s = deps.settings
    async with deps.db.transaction() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", DIGEST_LOCK):
            return 0
        queued = 0
        for firm_id, user_id, zone, last in await feed.list_digest_owners(conn):
            zone = zone or s.default_time_zone
            day = domain.digest_due(now, zone, s.digest_hour, last)
            if day is not None:
                queued += await _digest(conn, deps, firm_id, user_id, zone, day, now)
    if queued:
        log.info("queued %d daily digests", queued)
    return queued


async def _digest(
    conn: Connection, deps: "NotifyDeps", firm_id: UUID, user_id: UUID, zone: str, day: object,
    now: datetime,
) -> int:  # fmt: skip
    entries = await feed.take_digest_entries(conn, firm_id, user_id, now)
    await preferences.update_last_digest(conn, firm_id, user_id, zone, day)  # type: ignore[arg-type]
    people = await replicas.list_people(conn, firm_id, [user_id])
    person, name = people[0] if people else (None, "")
    if person is None or not person.active or not person.email or not entries:
        return 0
    firm = await replicas.get_firm(conn, firm_id) or Firm(deps.settings.product_name, "en")
    shown, more = domain.digest_lines(entries, deps.settings.digest_max_entries)
    portal = deps.settings.public_url.rstrip("/")
    brand = await firm_mail_values(conn, firm_id, firm.name, portal)
    rendered = deps.renderer.render(
        "daily_digest", domain.language_for(person.language, firm.language),
        {**brand, "action_url": portal,
         "recipient_name": name, "count": len(entries), "more": more,
         "entries": [{"title": t, "link": link} for t, link in shown]},
    )  # fmt: skip
    mail = NewDelivery(
        id=uuid4(), event_id=digest_event_id(firm_id, user_id, day), recipient=str(user_id),
        firm_id=firm_id, kind="daily_digest", email=person.email, subject=rendered.subject,
        text_body=rendered.text, html_body=rendered.html, secret=False,
    )  # fmt: skip
    await deliveries.insert_deliveries(conn, [mail], now)
    return 1
