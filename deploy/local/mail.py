"""A real SMTP server (aiosmtpd) that keeps every message it accepts: in memory for tests,
and in a Maildir a person can open for the local run."""

import mailbox
import threading
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, maildir: Path | None) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
            if self.maildir is not None:
                self.maildir.add(message)
        return "250 Message accepted for delivery"


class MailCatcher:
    """Start/stop-able SMTP server on loopback; `messages` holds what it accepted."""

    def __init__(self, port: int, *, maildir: Path | None = None) -> None:
        self.port = port
        self._keeper = _Keeper(maildir)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Message]:
        with self._keeper.lock:
            return list(self._keeper.messages)

    def clear(self) -> None:
        with self._keeper.lock:
            self._keeper.messages.clear()

    def start(self) -> None:
        # A controller closes its event loop when stopped, so each start gets a fresh one:
        # tests stop and start the server to play an SMTP outage.
        self._controller = Controller(self._keeper, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
