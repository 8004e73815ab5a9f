"""Notify's scheduled loops: daily digests, checked every `digest_check_seconds` on every
replica (`digests.send_due_digests` lets one replica compose at a time); the webhook delivery
log's housekeeping (a plain DELETE, harmless on several replicas at once)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from services.notify.digests import send_due_digests
from services.notify.webhooks.housekeeping import forget_old_deliveries
from shared.jobs import Periodic

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


def notify_jobs(deps: "NotifyDeps") -> Sequence[Periodic]:
    async def digests() -> None:
        await send_due_digests(deps)

    async def webhook_log() -> None:
        await forget_old_deliveries(deps.db, deps.settings.webhook_log_days)

    return [
        Periodic("notify-digests", deps.settings.digest_check_seconds, digests),
        Periodic("notify-webhook-log", 3600, webhook_log),
    ]
