"""The email of a delivery, as the SMTP server receives it: subject, addresses and both bodies
read back exactly, a line break in a header refused, an internationalised address sent."""

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from uuid import uuid4

import pytest
from aiosmtplib.email import flatten_message

from services.notify.models import Claimed
from services.notify.worker import email_of

SENDER = "Client portal <no-reply@portal.localhost>"
# Long and not ASCII: EmailMessage once folded this one into "Bokslut 2025  \u2013" (two
# spaces before the dash).
SUBJECT = "New document for <script>: Bokslut 2025 \u2013 slutlig version med ett långt namn " * 2
TEXT = "Hej Åsa Öberg,\n\n" + "en rad som är längre än sjuttiosex tecken, så att den bryts " * 3
HTML = '<p>Hej <b>Åsa</b> &amp; "Bo"</p>'


def received(row: Claimed) -> EmailMessage:
    parsed = message_from_bytes(flatten_message(email_of(row, SENDER)), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_of(mail: EmailMessage) -> str:
    return str(mail.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def row(email: str = "ann@kund.example", subject: str = SUBJECT) -> Claimed:
    return Claimed(uuid4(), "document_uploaded", email, subject.strip(), TEXT, HTML, 1)


@pytest.mark.parametrize("subject", [SUBJECT, "Plain ASCII " * 12, "Kort ämne"])
def test_reads_back_exactly(subject: str) -> None:
    sent = row(subject=subject)
    mail = received(sent)
    assert mail["Subject"] == subject.strip()
    assert (mail["From"], mail["To"]) == (SENDER, "ann@kund.example")
    assert mail["Message-ID"] == f"<{sent.id}@notify.portal>"
    assert mail.get_content_type() == "multipart/alternative"
    assert text_of(mail) == TEXT + "\n"
    assert mail.get_body(("html",)).get_content() == HTML + "\n"


@pytest.mark.parametrize("field", ["email", "subject"])
def test_a_line_break_in_a_header_is_refused(field: str) -> None:
    injected = {"email": "ann@kund.example\r\nBcc: all@else.example", "subject": "Hi\nBcc: x@y"}
    values = {"email": "ann@kund.example", "subject": "Hi", field: injected[field]}
    with pytest.raises(ValueError, match="line"):
        email_of(row(**values), SENDER)


def test_an_internationalised_address() -> None:
    mail = message_from_bytes(
        flatten_message(email_of(row("åsa@kund.example"), SENDER), utf8=True), policy=default
    )
    assert mail["To"] == "åsa@kund.example"
    assert mail["Subject"] == SUBJECT.strip()
    assert text_of(mail) == TEXT + "\n"
