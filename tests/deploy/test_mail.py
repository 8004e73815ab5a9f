"""The local mail catcher keeps what it accepts, across a stop and start (an SMTP outage)."""

import smtplib
from email.message import EmailMessage
from pathlib import Path

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port


def send(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@firm.example", "b@kund.example", subject
    message.set_content("hello")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


def test_mail_survives_a_restart_and_lands_in_the_maildir(tmp_path: Path) -> None:
    catcher = MailCatcher(free_port(), maildir=tmp_path / "mail")
    catcher.start()
    send(catcher.port, "before")
    catcher.stop()
    catcher.start()
    try:
        send(catcher.port, "after")
    finally:
        catcher.stop()
    assert [m["Subject"] for m in catcher.messages] == ["before", "after"]
    assert [m["X-Envelope-To"] for m in catcher.messages] == ["b@kund.example"] * 2
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 2
