"""Messages as notify tells them, over real RabbitMQ, PostgreSQL and SMTP: a message reaches
the thread's contacts and the client's staff, never its author, by each one's choice for the
`messages` category (at once, in the daily digest, or not by mail)."""

import uuid

from shared.events import documents
from tests.notify.integration.conftest import Notify
from tests.support.infra import wait_until


async def choose(notify: Notify, contact: uuid.UUID, choice: str) -> None:
    body = {"categories": {"messages": choice}}
    async with notify.http.patch(
        "/api/v1/me/notification-preferences", json=body,
        headers=notify.contact_token(contact_id=contact),
    ) as response:  # fmt: skip
        assert response.status == 200, await response.text()


async def test_a_message_reaches_the_thread_by_each_ones_choice(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    owner = await notify.staff("owner", language="de")
    author, swede, digest = [await notify.contact(client, ["employee"], language=lang)
                             for lang in ("en", "sv", "es")]  # fmt: skip
    outside = await notify.contact(client, ["operational"])
    await notify.settled(people=5)
    await choose(notify, digest, "daily_digest")
    posted = documents.MessagePosted(
        thread_id=uuid.uuid4(), message_id=uuid.uuid4(), client_id=client, subject="Bokslut",
        author_kind="contact", body="Här är kvittot", attachments=["kvitto.pdf"],
        contacts=[author, swede, digest],
    )  # fmt: skip
    event = await notify.publish(posted, actor=author)

    await wait_until(lambda: len(notify.smtp.messages) >= 2)
    await notify.delivered(event)
    subjects = {m["To"]: m["Subject"] for m in notify.smtp.messages}
    assert subjects == {f"{swede}@client.test": "Nytt meddelande: Bokslut",
                        f"{owner}@firm.test": "Neue Nachricht: Bokslut"}  # fmt: skip
    (mail,) = notify.mails_to(f"{swede}@client.test")
    text = mail.get_body(("plain",)).get_content()
    assert "Här är kvittot" in text
    assert "Bifogat: kvitto.pdf" in text
    assert f"/threads/{posted.thread_id}" in text
    feed = await notify.sql("SELECT user_id, delivery, category FROM notifications")
    assert {(r["user_id"], r["delivery"]) for r in feed} == {
        (swede, "immediate"), (owner, "immediate"), (digest, "daily_digest")
    }  # fmt: skip
    assert {r["category"] for r in feed} == {"messages"}
    assert outside not in {r["user_id"] for r in feed}
