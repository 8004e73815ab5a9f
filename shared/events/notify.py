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
    """Invite a person to the firm's portal. Identity always sets `link`, also for someone who
    already has an account (`existing_account`): they open it to accept and sign in with that
    account, so nobody is added to a firm without acting on the email. `link` stays nullable
    for messages sent before: those only say there is something new, with `sign_in_url`."""

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
    existing_account: bool = False


@message("notify.send_magic_link", 1, target="notify")
class SendMagicLink(Command):
    email: str
    language: Language
    link: str
    expires_at: datetime


@message("notify.send_sign_up_link", 1, target="notify")
class SendSignUpLink(Command):
    """Confirm a firm's sign-up: the link proves the owner's email. For an email that already
    has an account the message says to confirm with that account's password instead of
    choosing one."""

    email: str
    language: Language
    firm_name: str
    link: str
    expires_at: datetime
    existing_account: bool


@message("notify.send_password_reset", 1, target="notify")
class SendPasswordReset(Command):
    email: str
    language: Language
    link: str
    expires_at: datetime
