"""Delivery against real SMTP servers: an outage, temporary (4xx) and permanent (5xx)
refusals, every attempt recorded, and no secret in the logs."""

import logging
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port
from shared.events import notify as commands
from shared.events import signing
from tests.notify.integration.conftest import Notify, StartNotify
from tests.support.infra import wait_until

SOON = datetime.now(UTC) + timedelta(minutes=15)


class Picky:
    """Refuses `reject…` recipients for good (550) and `later…` ones twice (451)."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.deferred = 0

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("later") and self.deferred < 2:
            self.deferred += 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted.extend(envelope.rcpt_tos)
        return "250 accepted"


@pytest.fixture
def picky() -> Iterator[tuple[Picky, int]]:
    handler, port = Picky(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


class Outage:
    """A real SMTP server that can go down and come back on the same port. aiosmtpd's
    Controller closes its loop on stop, so coming back is a new server on that port; what
    both accepted is `messages`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.before: list[Any] = []
        self.server = MailCatcher(self.port)
        self.server.start()

    def down(self) -> None:
        self.before = self.server.messages
        self.server.stop()

    def up(self) -> None:
        self.server = MailCatcher(self.port)
        self.server.start()

    @property
    def messages(self) -> list[Any]:
        return self.before + self.server.messages


@pytest.fixture
def outage() -> Iterator[Outage]:
    server = Outage()
    yield server
    server.server.stop()


def magic_link(email: str, token: str) -> commands.SendMagicLink:
    link = f"https://portal.example/api/v1/auth/magic/{token}"
    return commands.SendMagicLink(email=email, language="en", link=link, expires_at=SOON)


async def deliveries(notify: Notify) -> list[Any]:
    return await notify.sql(
        "SELECT email, state, attempts, last_reply, text_body FROM deliveries ORDER BY email"
    )


async def test_smtp_outage_mails_are_retried_none_lost_none_twice(
    start_notify: StartNotify, outage: Outage
) -> None:
    notify = await start_notify(smtp_port=outage.port)
    await notify.command(magic_link("first@example.test", "before-the-outage"))
    await wait_until(lambda: len(outage.messages) == 1)
    later = [f"user{n}@example.test" for n in range(5)]
    outage.down()
    try:
        for address in later:
            await notify.command(magic_link(address, secrets.token_urlsafe(16)))

        async def retried() -> bool:
            rows = await deliveries(notify)
            waiting = [r for r in rows if r["state"] == "queued"]
            return len(waiting) == 5 and all(r["attempts"] >= 2 for r in waiting)

        await wait_until(retried, timeout=20)
        rows = [r for r in await deliveries(notify) if r["state"] == "queued"]
        assert all(
            "ConnectError" in r["last_reply"] or "refused" in r["last_reply"].lower() for r in rows
        )
    finally:
        outage.up()
    await wait_until(lambda: len(outage.messages) >= 6, timeout=20)
    await notify.delivered()
    assert sorted(m["To"] for m in outage.messages) == ["first@example.test", *later]
    rows = await deliveries(notify)
    assert {r["state"] for r in rows} == {"sent"}
    assert all(r["last_reply"].startswith("250") for r in rows)


async def test_permanent_refusal_is_not_retried_temporary_one_is(
    start_notify: StartNotify, picky: tuple[Picky, int]
) -> None:
    handler, port = picky
    notify = await start_notify(smtp_port=port)
    await notify.command(magic_link("reject@example.test", "t1"))
    await notify.command(magic_link("later@example.test", "t2"))

    async def settled() -> bool:
        rows = await deliveries(notify)
        return len(rows) == 2 and all(r["state"] != "queued" for r in rows)

    await wait_until(settled, timeout=20)
    later, reject = await deliveries(notify)
    assert (reject["state"], reject["attempts"]) == ("failed", 1)
    assert reject["last_reply"].startswith("550")
    assert (later["state"], later["attempts"]) == ("sent", 3)
    assert handler.accepted == ["later@example.test"]
    # The link of a secret-bearing message does not stay at rest once settled.
    assert later["text_body"] is None
    assert reject["text_body"] is None


async def test_no_secret_reaches_the_logs(
    start_notify: StartNotify, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # As in production (shared.logs.configure_logging): the AMQP client's frame dumps, which
    # show every body this test publishes as identity and signing would, stay at WARNING.
    for noisy in ("aiormq", "aio_pika"):
        caplog.set_level(logging.WARNING, logger=noisy)
    notify = await start_notify(smtp_port=outage.port)
    token, code = secrets.token_urlsafe(24), f"{secrets.randbelow(10**6):06d}"
    outage.down()
    try:
        await notify.command(magic_link("ann@example.test", token))
        await notify.command(commands.SendPasswordReset(
            email="ann@example.test", language="sv", expires_at=SOON,
            link=f"https://portal.example/reset/{token}",
        ))  # fmt: skip
        await notify.command(signing.SendOneTimeCode(
            signing_id=uuid.uuid4(), party_id=uuid.uuid4(), email="bo@example.test", name="Bo",
            language="de", document_name="Avtal.pdf", code=code, expires_at=SOON,
        ), firm_id=notify.firm_id)  # fmt: skip

        async def attempted() -> bool:
            rows = await deliveries(notify)
            return len(rows) == 3 and all(r["attempts"] >= 2 for r in rows)

        await wait_until(attempted, timeout=20)
    finally:
        outage.up()
    await wait_until(lambda: len(outage.messages) == 3, timeout=20)
    bodies = "".join(m.get_body(("plain",)).get_content() for m in outage.messages)
    assert token in bodies
    assert code in bodies
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert any(r.name.startswith("services.notify") for r in ours)
    for record in ours:
        assert token not in record.getMessage()
        assert code not in record.getMessage()


async def test_a_withdrawn_signing_tells_the_party_in_their_language(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id, name="Revisorerna AB")
    await wait_until(lambda: notify.sql("SELECT 1 FROM firms"))
    withdrawn = signing.SendSigningCancelled(
        signing_id=uuid.uuid4(), party_id=uuid.uuid4(), email="bo@kund.example", name="Bo Berg",
        language="sv", document_name="Avtal.pdf", reason="Fel version av avtalet.",
    )  # fmt: skip
    await notify.command(withdrawn, firm_id=notify.firm_id)
    await wait_until(lambda: notify.mails_to("bo@kund.example"))
    (mail,) = notify.mails_to("bo@kund.example")
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert mail["Subject"] == "Signering återkallad: Avtal.pdf"
    assert "Hej Bo Berg,\n\nRevisorerna AB har återkallat" in text
    assert "Fel version av avtalet." in text
    assert "http" not in text.split("--")[0]  # no link: the old ones no longer work
