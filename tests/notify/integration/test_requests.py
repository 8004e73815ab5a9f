"""Document requests as notify tells them, over real RabbitMQ, PostgreSQL and SMTP: the asked
contacts hear of the request, of an item returned or accepted and of reminders, each in their
own language (sv, en, de, es), by their preferences; the client's staff hear of files sent in."""

import uuid

from shared.events import documents
from tests.notify.integration.conftest import Notify
from tests.notify.integration.test_fanout import choose
from tests.support.infra import wait_until

SUBJECTS = {
    "sv": "Påminnelse: Kontoutdrag december",
    "en": "Reminder: Kontoutdrag december",
    "de": "Erinnerung: Kontoutdrag december",
    "es": "Recordatorio: Kontoutdrag december",
}


def reminder(client_id: uuid.UUID, contacts: list[uuid.UUID]) -> documents.RequestReminderDue:
    return documents.RequestReminderDue(
        request_id=uuid.uuid4(), client_id=client_id, request_title="Bokslut 2026",
        item_id=uuid.uuid4(), item_title="Kontoutdrag december", due_date="2026-12-10",
        remind_at="2026-12-07T07:00:00+00:00", overdue=False, contacts=contacts,
    )  # fmt: skip


async def test_reminders_reach_the_asked_in_their_language_by_their_choice(
    notify: Notify,
) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    asked = {lang: await notify.contact(client, ["employee"], language=lang) for lang in SUBJECTS}
    quiet = await notify.contact(client, ["employee"], language="sv")
    not_asked = await notify.contact(client, ["operational"], language="en")
    await notify.settled(people=6)
    await choose(notify, quiet, "off")

    due = reminder(client, [*asked.values(), quiet])
    event = await notify.publish(due)

    await wait_until(lambda: len(notify.smtp.messages) >= 4)
    await notify.delivered(event)
    by_address = {m["To"]: m for m in notify.smtp.messages}
    assert set(by_address) == {f"{c}@client.test" for c in asked.values()}
    for lang, contact in asked.items():
        mail = by_address[f"{contact}@client.test"]
        assert mail["Subject"] == SUBJECTS[lang]
        text = mail.get_body(("plain",)).get_content()
        assert "2026-12-10" in text
        assert "Bokslut 2026" in text
        assert f"/requests/{due.request_id}" in text
    assert f"{not_asked}@client.test" not in by_address


async def test_a_returned_item_tells_the_asked_why_and_a_file_sent_in_tells_staff(
    notify: Notify,
) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    contact = await notify.contact(client, ["employee"], language="de")
    owner = await notify.staff("owner", language="es")
    await notify.settled(people=2)
    common = dict(
        request_id=uuid.uuid4(), client_id=client, request_title="Bokslut", item_id=uuid.uuid4(),
        item_title="Kvitton", contacts=[contact],
    )  # fmt: skip
    returned = documents.RequestItemStatusChanged(
        **common, item_status="returned", reason="Seite 2 fehlt", status="returned"
    )
    sent_in = documents.RequestItemStatusChanged(
        **common, item_status="submitted", document_id=uuid.uuid4(), document_name="k.pdf",
        status="submitted",
    )  # fmt: skip
    first = await notify.publish(returned, actor=owner)
    second = await notify.publish(sent_in, actor=contact)

    await notify.delivered(first, second)
    await wait_until(lambda: len(notify.smtp.messages) >= 1)
    (mail,) = notify.mails_to(f"{contact}@client.test")
    assert mail["Subject"] == "Bitte ergänzen: Kvitton"
    assert "Seite 2 fehlt" in mail.get_body(("plain",)).get_content()
    # Staff get documents news once a day by default: the file sent in is in the owner's feed.
    feed = await notify.sql(
        "SELECT kind, delivery, title FROM notifications WHERE user_id = $1", owner
    )
    assert [(r["kind"], r["delivery"]) for r in feed] == [
        ("request_item_submitted", "daily_digest")
    ]
    assert feed[0]["title"] == "Kund AB ha enviado: Kvitton"
