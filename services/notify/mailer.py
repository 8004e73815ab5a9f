"""A pool of persistent SMTP connections (aiosmtplib) and what one send answered.

A send never raises: it returns the SMTP code and reply (or no code when the server could not
be reached), and the caller decides with `domain.smtp_outcome`. A connection the server
dropped while idle is replaced once at once, so a quiet night does not cost a retry delay.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from email.message import Message

import aiosmtplib

from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    code: int | None
    reply: str


class Mailer:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(settings.smtp_pool_size)

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host, port=s.smtp_port, timeout=s.smtp_timeout_seconds,
            start_tls=s.smtp_starttls, username=s.smtp_username or None,
            password=s.smtp_password or None,
        )  # fmt: skip

    async def send(
        self, message: Message, then: Callable[[Answer], Awaitable[None]] | None = None
    ) -> Answer:
        """Send on a pooled connection; `then` gets the answer before that connection is
        handed to the next send."""
        async with self._slots:
            reused = bool(self._idle)
            client = self._idle.pop() if reused else self._new_client()
            answer, healthy = await self._attempt(client, message)
            if answer.code is None and reused:
                client, reused = self._new_client(), False
                answer, healthy = await self._attempt(client, message)
            try:
                if then is not None:
                    await then(answer)
            finally:
                if healthy:
                    self._idle.append(client)
                else:
                    await _discard(client)
            return answer

    async def _attempt(self, client: aiosmtplib.SMTP, message: Message) -> tuple[Answer, bool]:
        """One try on one connection: the answer, and whether the connection is still usable."""
        try:
            if not client.is_connected:
                await client.connect()
            _, reply = await client.send_message(message)
            return Answer(250, reply), True
        except aiosmtplib.SMTPRecipientsRefused as refused:
            first = refused.recipients[0]
            return Answer(first.code, first.message), await _reset(client)
        except aiosmtplib.SMTPResponseException as error:
            return Answer(error.code, error.message), False
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return Answer(None, f"{type(error).__name__}: {error}"), False

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(_discard(c, polite=True) for c in idle))


async def _reset(client: aiosmtplib.SMTP) -> bool:
    try:
        await client.rset()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        return False
    return True


async def _discard(client: aiosmtplib.SMTP, *, polite: bool = False) -> None:
    with suppress(Exception):
        if polite and client.is_connected:
            await client.quit()
    client.close()
