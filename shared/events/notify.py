"""Messages produced by (or addressed to) the notify service.

Identity's commands carry a link that signs someone in, so they go to notify's command queue,
never on `portal.events`. Security messages ignore notification preferences.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.events.base import Command, message

Language = Literal["sv", "en", "de", "es"]


@message("notify.send_invitation", 1, target="notify")
class SendInvitation(Command):
    """Invite a person to the firm's portal. `link` is null when the person already has an
    account: the message then only tells them there is something new, with `sign_in_url`."""

    firm_id: UUID
    firm_name: str
    recipient_id: UUID
    recipient_kind: Literal["staff", "contact"]
    email: str
    name: str
    language: Language
    link: str | None
    sign_in_url: str
    expires_at: datetime | None


@message("notify.send_magic_link", 1, target="notify")
class SendMagicLink(Command):
    email: str
    language: Language
    link: str
    expires_at: datetime


@message("notify.send_password_reset", 1, target="notify")
class SendPasswordReset(Command):
    email: str
    language: Language
    link: str
    expires_at: datetime
