"""From a notice about an event to feed entries and queued emails, inside the consumer's
transaction (so they commit with the event's inbox row, or not at all)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from services.notify import domain
from services.notify.branding import firm_mail_values
from services.notify.models import Firm, NewDelivery, NewNotification
from services.notify.store import deliveries, feed, preferences, replicas
from shared.database import Connection
from shared.events.base import Envelope

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


@dataclass(frozen=True)
class Notice:
    """What an event means to notify: a message kind, who it reaches, where it points."""

    kind: str
    reach: domain.Reach
    path: str  # in the portal, e.g. "/documents/<id>"
    client_id: UUID | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


async def fan_out(conn: Connection, notice: Notice, envelope: Envelope, deps: "NotifyDeps") -> None:
    """Feed entries and immediate emails for everyone the notice reaches, by their choices."""
    firm_id = envelope.require_firm()
    firm = await replicas.get_firm(conn, firm_id) or Firm(deps.settings.product_name, "en")
    also = notice.reach.audience | notice.reach.named
    candidates = await replicas.list_candidates(
        conn, firm_id, notice.client_id, list(also), list(notice.reach.client_roles)
    )
    names = {person.id: name for person, name in candidates}
    chosen = domain.recipients(notice.reach, [p for p, _ in candidates], envelope.actor)
    prefs = await preferences.get_preferences(conn, firm_id, [p.id for p in chosen])
    context = await _shared_context(conn, firm, notice, envelope, deps)
    entries, mails = [], []
    for person in chosen:
        delivery = domain.delivery_for(notice.kind, person.kind, prefs.get(person.id, {}))
        if delivery == "off":
            continue
        language = domain.language_for(person.language, firm.language)
        rendered = deps.renderer.render(
            notice.kind, language, {**context, "recipient_name": names[person.id]}
        )
        entries.append(
            _entry(firm_id, person.id, notice, envelope, rendered.subject, context, delivery)
        )
        if delivery == "immediate":
            mails.append(
                _mail(
                    firm_id,
                    str(person.id),
                    person.email or "",
                    notice.kind,
                    envelope,
                    rendered,
                    secret=False,
                )
            )
    await feed.insert_notifications(conn, entries)
    await deliveries.insert_deliveries(conn, mails, envelope.occurred_at)


async def _shared_context(
    conn: Connection, firm: Firm, notice: Notice, envelope: Envelope, deps: "NotifyDeps"
) -> dict[str, Any]:
    firm_id = envelope.require_firm()
    actor = (
        await replicas.get_person_name(conn, firm_id, envelope.actor) if envelope.actor else None
    )
    client = (
        await replicas.get_client_name(conn, firm_id, notice.client_id)
        if notice.client_id
        else None
    )
    portal = deps.settings.public_url.rstrip("/")
    brand = await firm_mail_values(conn, firm_id, firm.name, portal)
    return {
        **brand,
        "action_url": portal + notice.path,
        "actor_name": actor or brand["firm_name"],
        "client_name": client or brand["firm_name"],
        **notice.context,
    }


def _entry(
    firm_id: UUID, user_id: UUID, notice: Notice, envelope: Envelope, title: str,
    context: Mapping[str, Any], delivery: domain.Choice,
) -> NewNotification:  # fmt: skip
    return NewNotification(
        id=uuid4(), firm_id=firm_id, user_id=user_id, event_id=envelope.id, kind=notice.kind,
        category=domain.KIND_CATEGORY[notice.kind] or "account", title=title,
        link=context["action_url"], delivery=delivery, created_at=envelope.occurred_at,
    )  # fmt: skip


def _mail(
    firm_id: UUID | None, recipient: str, email: str, kind: str, envelope: Envelope,
    rendered: Any, *, secret: bool,
) -> NewDelivery:  # fmt: skip
    return NewDelivery(
        id=uuid4(), event_id=envelope.id, recipient=recipient, firm_id=firm_id, kind=kind,
        email=email, subject=rendered.subject, text_body=rendered.text, html_body=rendered.html,
        secret=secret,
    )  # fmt: skip


async def queue_security(
    conn: Connection, kind: str, *, envelope: Envelope, deps: "NotifyDeps", email: str,
    language: str, recipient: str, firm_name: str | None, context: Mapping[str, Any],
    now: datetime,
) -> None:  # fmt: skip
    """A secret-bearing message: no preferences, no feed entry, body erased once settled."""
    # A mail of no firm (sign-up, sign-in and reset links) comes from the product, unbranded.
    firm_id = envelope.firm_id if firm_name else None
    values = {
        **await firm_mail_values(
            conn, firm_id, firm_name or deps.settings.product_name, deps.settings.public_url
        ),
        **context,
    }
    rendered = deps.renderer.render(kind, domain.language_for(language, None), values)
    mail = _mail(envelope.firm_id, recipient, email, kind, envelope, rendered, secret=True)
    await deliveries.insert_deliveries(conn, [mail], now)
