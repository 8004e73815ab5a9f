"""Messages between a client and the firm (issue 20): a message reaches the contacts its
thread includes and the staff who serve the client, by their choice for the `messages`
category (at once, in the daily digest, or not by mail); never its author."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from services.notify.domain import Reach
from services.notify.fanout import Notice, fan_out
from shared.database import Connection
from shared.events import documents
from shared.events.base import Envelope, Event
from shared.service import Handles

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


async def message_posted(
    conn: Connection, e: documents.MessagePosted, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    context = {"subject": e.subject, "message": e.body, "attachments": e.attachments}
    reach = Reach(named=frozenset(e.contacts), client_staff=True)
    notice = Notice("message_posted", reach, f"/threads/{e.thread_id}", e.client_id, context)
    await fan_out(conn, notice, env, deps)


HANDLERS: Mapping[type[Event], Handles] = {documents.MessagePosted: message_posted}
