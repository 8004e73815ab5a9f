"""Every public event becomes a delivery to each of its firm's endpoints that asked for its
type, queued in the consumer's transaction: with the event's inbox row, so a redelivered
event queues nothing more (and the unique (event, endpoint) holds even if it did)."""

from typing import TYPE_CHECKING

from services.notify.store import webhooks as store
from services.notify.webhooks.models import EVENT_TYPES
from shared.database import Connection
from shared.events.base import Envelope, Event, catalog

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


async def queue_deliveries(
    conn: Connection, event: Event, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    if env.firm_id is None:
        return
    endpoints = await store.list_subscribed(conn, env.firm_id, env.type)
    # The public envelope as it came, fields this release does not know included.
    payload = env.model_dump_json()
    await store.insert_deliveries(
        conn, env.firm_id, endpoints, env.id, env.type, payload, env.occurred_at
    )


HANDLERS = {
    model: queue_deliveries
    for model in catalog()
    if issubclass(model, Event) and model.type in EVENT_TYPES
}
