"""Notify's scheduled loop: daily digests, checked every `digest_check_seconds` on every
replica (`digests.send_due_digests` lets one replica compose at a time)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from services.notify.digests import send_due_digests
from shared.jobs import Periodic

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


def notify_jobs(deps: "NotifyDeps") -> Sequence[Periodic]:
    async def digests() -> None:
        await send_due_digests(deps)

    return [Periodic("notify-digests", deps.settings.digest_check_seconds, digests)]
