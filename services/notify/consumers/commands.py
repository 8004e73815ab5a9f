"""Secret-bearing messages from notify's private command queue (invitations, sign-up, sign-in
and reset links, signing links and one-time codes). They ignore preferences, never enter the
feed, and nothing here logs them: their bodies are erased once the email is settled."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from services.notify.fanout import queue_security
from services.notify.render import when
from services.notify.store import replicas
from shared.database import Connection
from shared.events import notify, signing
from shared.events.base import Command, Envelope
from shared.service import Handles

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps


def _now() -> datetime:
    return datetime.now(UTC)


async def send_invitation(
    conn: Connection, c: notify.SendInvitation, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    kind = "staff_invitation" if c.recipient_kind == "staff" else "customer_invitation"
    context = {
        "recipient_name": c.name, "email": c.email, "link": c.link,
        "action_url": c.link or c.sign_in_url, "expires_at": when(c.expires_at),
        "existing_account": c.existing_account,
    }  # fmt: skip
    await queue_security(
        conn, kind, envelope=env, deps=deps, email=c.email, language=c.language,
        recipient=str(c.recipient_id), firm_name=c.firm_name, context=context, now=_now(),
    )  # fmt: skip


async def send_magic_link(
    conn: Connection, c: notify.SendMagicLink, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    context = {"action_url": c.link, "expires_at": when(c.expires_at)}
    await queue_security(
        conn, "magic_link", envelope=env, deps=deps, email=c.email, language=c.language,
        recipient=c.email.lower(), firm_name=None, context=context, now=_now(),
    )  # fmt: skip


async def send_sign_up_link(
    conn: Connection, c: notify.SendSignUpLink, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    # Anyone may sign up with any firm name for any email, so the name is only quoted in the
    # body: the mail comes from the product, not dressed as a firm that does not exist yet.
    context = {
        "action_url": c.link, "expires_at": when(c.expires_at), "new_firm_name": c.firm_name,
        "existing_account": c.existing_account,
    }  # fmt: skip
    await queue_security(
        conn, "sign_up_link", envelope=env, deps=deps, email=c.email, language=c.language,
        recipient=c.email.lower(), firm_name=None, context=context, now=_now(),
    )  # fmt: skip


async def send_password_reset(
    conn: Connection, c: notify.SendPasswordReset, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    context = {"action_url": c.link, "expires_at": when(c.expires_at)}
    await queue_security(
        conn, "password_reset", envelope=env, deps=deps, email=c.email, language=c.language,
        recipient=c.email.lower(), firm_name=None, context=context, now=_now(),
    )  # fmt: skip


async def _firm_name(conn: Connection, env: Envelope) -> str | None:
    firm = await replicas.get_firm(conn, env.firm_id) if env.firm_id else None
    return firm.name if firm else None


async def _sender_name(conn: Connection, env: Envelope, signing_id: UUID) -> str | None:
    if env.firm_id is None:
        return None
    record = await replicas.get_signing(conn, env.firm_id, signing_id)
    if record is None or record.started_by is None:
        return None
    return await replicas.get_person_name(conn, env.firm_id, record.started_by)


async def _to_party(
    conn: Connection,
    kind: str,
    c: signing._ToParty,
    env: Envelope,
    deps: "NotifyDeps",
    **extra: object,
) -> None:
    firm_name = await _firm_name(conn, env)
    context = {"recipient_name": c.name, "document_name": c.document_name, **extra}
    await queue_security(
        conn, kind, envelope=env, deps=deps, email=c.email, language=c.language,
        recipient=str(c.party_id), firm_name=firm_name, context=context, now=_now(),
    )  # fmt: skip


async def send_signing_invitation(
    conn: Connection, c: signing.SendSigningInvitation, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    sender = await _sender_name(conn, env, c.signing_id) or await _firm_name(conn, env)
    await _to_party(
        conn, "signing_invitation", c, env, deps, action_url=c.link, message=c.message,
        expires_at=when(c.expires_at), sender_name=sender or deps.settings.product_name,
    )  # fmt: skip


async def send_signing_reminder(
    conn: Connection, c: signing.SendSigningReminder, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await _to_party(
        conn, "signing_reminder", c, env, deps, action_url=c.link, expires_at=when(c.expires_at)
    )


async def send_one_time_code(
    conn: Connection, c: signing.SendOneTimeCode, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await _to_party(conn, "one_time_code", c, env, deps, code=c.code, expires_at=when(c.expires_at))


async def send_signing_cancelled(
    conn: Connection, c: signing.SendSigningCancelled, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    sender = await _sender_name(conn, env, c.signing_id)
    await _to_party(
        conn, "signing_cancelled", c, env, deps, reason=c.reason, sender_name=sender or ""
    )


async def send_signed_copy(
    conn: Connection, c: signing.SendSignedCopy, env: Envelope, *, deps: "NotifyDeps"
) -> None:
    await _to_party(
        conn, "signed_copy", c, env, deps, action_url=c.link, expires_at=when(c.expires_at)
    )


HANDLERS: Mapping[type[Command], Handles] = {
    notify.SendInvitation: send_invitation,
    notify.SendMagicLink: send_magic_link,
    notify.SendSignUpLink: send_sign_up_link,
    notify.SendPasswordReset: send_password_reset,
    signing.SendSigningInvitation: send_signing_invitation,
    signing.SendSigningReminder: send_signing_reminder,
    signing.SendOneTimeCode: send_one_time_code,
    signing.SendSignedCopy: send_signed_copy,
    signing.SendSigningCancelled: send_signing_cancelled,
}
