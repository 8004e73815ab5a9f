"""Fan-out over real RabbitMQ, PostgreSQL and SMTP: preferences, the actor, duplicates and
replicas."""

import uuid

from shared.events import documents, identity
from tests.notify.integration.conftest import Notify, StartNotify
from tests.support.infra import wait_until


def uploaded(
    client_id: uuid.UUID, audience: list[uuid.UUID], name: str = "Q1.pdf"
) -> documents.DocumentUploaded:
    return documents.DocumentUploaded(
        document_id=uuid.uuid4(), version_id=uuid.uuid4(), client_id=client_id,
        folder_id=uuid.uuid4(), name=name, size=10, content_type="application/pdf",
        sha256="0" * 64, uploaded_by_kind="staff", audience=audience,
    )  # fmt: skip


async def _count(notify: Notify, table: str, n: int) -> bool:
    return len(await notify.sql(f"SELECT 1 FROM {table}")) >= n


async def choose(notify: Notify, user: uuid.UUID, documents_choice: str) -> None:
    body = {"categories": {"documents": documents_choice}}
    url = "/api/v1/me/notification-preferences"
    async with notify.http.patch(
        url, json=body, headers=notify.contact_token(contact_id=user)
    ) as response:
        assert response.status == 200, await response.text()


async def test_fan_out_respects_each_recipients_choice_and_skips_the_uploader(
    notify: Notify,
) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    uploader = await notify.staff("owner")
    now, off, digest = [await notify.contact(client, ["operational"]) for _ in range(3)]
    await notify.settled(people=4)
    await choose(notify, off, "off")
    await choose(notify, digest, "daily_digest")

    event = await notify.publish(uploaded(client, [now, off, digest]), actor=uploader)

    await wait_until(lambda: len(notify.smtp.messages) >= 1)
    await notify.delivered(event)
    assert [m["To"] for m in notify.smtp.messages] == [f"{now}@client.test"]
    feed = await notify.sql(
        "SELECT user_id, delivery FROM notifications WHERE event_id = $1", event.id
    )
    assert {(r["user_id"], r["delivery"]) for r in feed} == {
        (now, "immediate"), (digest, "daily_digest")
    }  # fmt: skip
    deliveries = await notify.sql("SELECT recipient, state FROM deliveries")
    assert [(r["recipient"], r["state"]) for r in deliveries] == [(str(now), "sent")]


async def test_one_email_per_recipient_with_duplicates_and_two_replicas(
    start_notify: StartNotify,
) -> None:
    notify = await start_notify(replicas=2)
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    uploader = await notify.contact(client, ["operational"])
    owner = await notify.staff("owner")
    audience = [uploader] + [await notify.contact(client, ["employee"]) for _ in range(3)]
    await notify.settled(people=5)

    envelope = await notify.publish(uploaded(client, audience), actor=uploader)
    for _ in range(4):
        await notify.publish_envelope(envelope)

    expected = {f"{c}@client.test" for c in audience[1:]}
    await wait_until(lambda: len(notify.smtp.messages) >= len(expected))
    await notify.delivered(envelope)
    received = [m["To"] for m in notify.smtp.messages]
    assert sorted(received) == sorted(expected)
    assert len({m["Message-ID"] for m in notify.smtp.messages}) == len(expected)
    # Staff get uploads as a digest by default: one entry, once.
    feed = await notify.sql("SELECT user_id, delivery FROM notifications ORDER BY delivery")
    assert [(r["user_id"], r["delivery"]) for r in feed if r["user_id"] == owner] == [
        (owner, "daily_digest")
    ]
    assert len(feed) == 4


async def test_a_staff_owner_gets_uploads_in_swedish_with_the_firm_and_portal(
    notify: Notify,
) -> None:
    await notify.open_firm(firm_id=notify.firm_id, name="Revision & Co")
    client = await notify.client("<script>alert(1)</script>")
    owner = await notify.staff("owner", language="sv")
    await notify.settled(people=1)
    await choose_staff_immediate(notify, owner)

    await notify.publish(uploaded(client, [], name="Bokslut.pdf"))

    await wait_until(lambda: len(notify.smtp.messages) == 1)
    mail = notify.smtp.messages[0]
    assert mail["Subject"] == "Nytt dokument för <script>alert(1)</script>: Bokslut.pdf"
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "Revision &amp; Co" in html
    assert "Revision & Co" in text
    assert notify.settings.public_url in text


async def choose_staff_immediate(notify: Notify, staff_id: uuid.UUID) -> None:
    body = {"categories": {"documents": "immediate"}}
    url = "/api/v1/me/notification-preferences"
    headers = notify.staff_token(role="member", user_id=staff_id)
    async with notify.http.patch(url, json=body, headers=headers) as response:
        assert response.status == 200


async def test_a_customer_who_registers_is_announced_to_the_staff_serving_their_client(
    notify: Notify,
) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    served, other = await notify.client("Kund AB"), await notify.client("Annan AB")
    serving, elsewhere = await notify.staff("member"), await notify.staff("member")
    await notify.publish(identity.StaffAssigned(staff_id=serving, client_id=served))
    await notify.publish(identity.StaffAssigned(staff_id=elsewhere, client_id=other))
    contact = await notify.contact(served, ["employee"], name="Erik")
    await notify.settled(people=3)
    await wait_until(lambda: _count(notify, "staff_assignments", 2))

    registered = await notify.publish(identity.ContactRegistered(contact_id=contact), actor=contact)

    await wait_until(lambda: notify.mails_to(f"{serving}@firm.test"))
    await notify.delivered(registered)
    (mail,) = notify.smtp.messages
    assert mail["To"] == f"{serving}@firm.test"
    assert mail["Subject"] == "Erik Kund has joined the portal"
    assert "Erik Kund of Kund AB has accepted" in mail.get_body(("plain",)).get_content()
