"""The HTTP side (preferences, feed, OpenAPI), daily digests, the replica's tolerance of
out-of-order events, and the client-wide rules, over the real stack."""

import uuid
from datetime import UTC, datetime, timedelta

from shared.events import billing, documents, identity
from shared.events.base import Envelope
from tests.notify.integration.conftest import Notify, StartNotify
from tests.notify.integration.test_fanout import uploaded
from tests.support.bus import settle
from tests.support.infra import wait_until

PREFS = "/api/v1/me/notification-preferences"


async def test_preferences_default_per_kind_of_user_and_change(notify: Notify) -> None:
    staff, contact = uuid.uuid4(), uuid.uuid4()
    async with notify.http.get(
        PREFS, headers=notify.staff_token(role="member", user_id=staff)
    ) as response:
        assert (await response.json())["categories"]["documents"] == "daily_digest"
    async with notify.http.get(PREFS, headers=notify.contact_token(contact_id=contact)) as response:
        body = await response.json()
    assert body["categories"]["documents"] == "immediate"
    assert body["time_zone"] == "Europe/Stockholm"
    change = {"categories": {"signing": "off"}, "time_zone": "Europe/Madrid"}
    async with notify.http.patch(
        PREFS, json=change, headers=notify.contact_token(contact_id=contact)
    ) as response:
        body = await response.json()
    assert (body["categories"]["signing"], body["time_zone"]) == ("off", "Europe/Madrid")
    bad = {"time_zone": "Mars/Olympus"}
    async with notify.http.patch(
        PREFS, json=bad, headers=notify.contact_token(contact_id=contact)
    ) as response:
        assert response.status == 422
    async with notify.http.get(PREFS) as response:
        assert response.status == 401


async def test_feed_lists_my_notifications_and_marks_them_read(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    ann = await notify.contact(client, ["operational"])
    bo = await notify.contact(client, ["operational"])
    await notify.settled(people=2)
    await notify.publish(uploaded(client, [ann, bo], name="One.pdf"))
    await notify.publish(uploaded(client, [ann], name="Two.pdf"))
    await wait_until(lambda: len(notify.smtp.messages) == 3)

    async with notify.http.get(
        "/api/v1/notifications", headers=notify.contact_token(contact_id=ann)
    ) as response:
        feed = await response.json()
    assert feed["unread"] == 2
    assert sorted(i["title"].split(": ")[1] for i in feed["items"]) == ["One.pdf", "Two.pdf"]
    first = feed["items"][0]["id"]
    for user, status in ((bo, 404), (ann, 204)):
        url = f"/api/v1/notifications/{first}/read"
        async with notify.http.post(url, headers=notify.contact_token(contact_id=user)) as response:
            assert response.status == status
    query = "/api/v1/notifications?unread_only=true"
    async with notify.http.get(query, headers=notify.contact_token(contact_id=ann)) as response:
        assert (await response.json())["unread"] == 1
    async with notify.http.post(
        "/api/v1/notifications/read", headers=notify.contact_token(contact_id=ann)
    ) as r:
        assert r.status == 204
    async with notify.http.get(
        "/api/v1/notifications", headers=notify.contact_token(contact_id=ann)
    ) as response:
        assert (await response.json())["unread"] == 0


async def test_openapi_documents_preferences_and_feed(notify: Notify) -> None:
    async with notify.http.get("/openapi.json") as response:
        paths = (await response.json())["paths"]
    assert {"get", "patch"} <= set(paths[PREFS])
    assert "get" in paths["/api/v1/notifications"]


async def test_daily_digest_lists_waiting_entries_once(start_notify: StartNotify) -> None:
    notify = await start_notify(digest_hour=0, digest_check_seconds=0.3)
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    digest = await notify.contact(client, ["operational"], language="de")
    quiet = await notify.contact(client, ["operational"])
    await notify.settled(people=2)
    async with notify.http.patch(
        PREFS,
        json={"categories": {"documents": "daily_digest"}},
        headers=notify.contact_token(contact_id=digest),
    ) as response:
        assert response.status == 200
    for name in ("A.pdf", "B.pdf"):
        await notify.publish(uploaded(client, [digest], name=name))

    await wait_until(lambda: notify.mails_to(f"{digest}@client.test"), timeout=15)
    await settle(1.0)
    [mail] = notify.mails_to(f"{digest}@client.test")
    assert mail["Subject"] == "Ihre tägliche Übersicht: 2 neu"
    text = mail.get_body(("plain",)).get_content()
    assert "A.pdf" in text
    assert "B.pdf" in text
    assert notify.mails_to(f"{quiet}@client.test") == []
    # Once today: a later entry waits for tomorrow's digest.
    await notify.publish(uploaded(client, [digest], name="C.pdf"))
    await settle(1.5)
    assert len(notify.mails_to(f"{digest}@client.test")) == 1


async def test_replica_keeps_the_newest_fact_whatever_the_arrival_order(notify: Notify) -> None:
    contact_id, at = uuid.uuid4(), datetime.now(UTC)

    def contact(cls: type, name: str, when: datetime) -> Envelope:
        body = cls(contact_id=contact_id, first_name=name, last_name="K", email="k@x.test",
                   phone=None, language="sv")  # fmt: skip
        return Envelope.wrap(body, firm_id=notify.firm_id, actor=None, now=when)

    await notify.publish_envelope(contact(identity.ContactUpdated, "New", at))
    await notify.publish_envelope(contact(identity.ContactCreated, "Old", at - timedelta(hours=1)))
    granted = identity.PortalAccessGranted(contact_id=contact_id, invitation_send_at=None)
    revoked = identity.PortalAccessRevoked(contact_id=contact_id)
    await notify.publish_envelope(
        Envelope.wrap(revoked, firm_id=notify.firm_id, actor=None, now=at)
    )
    await notify.publish_envelope(
        Envelope.wrap(granted, firm_id=notify.firm_id, actor=None, now=at - timedelta(minutes=1))
    )

    async def both_seen() -> bool:
        return len(await notify.sql("SELECT message_id FROM inbox")) == 4

    await wait_until(both_seen)
    [person] = await notify.sql("SELECT name FROM people")
    [access] = await notify.sql("SELECT granted FROM portal_access")
    assert (person["name"], access["granted"]) == ("New K", False)


async def test_client_wide_and_firm_notices_reach_the_right_roles(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    client = await notify.client()
    owner, member = await notify.staff("owner"), await notify.staff("member")
    operational = await notify.contact(client, ["operational"])
    commercial = await notify.contact(client, ["commercial"])
    answerer = await notify.contact(client, ["operational", "employee"])
    await notify.settled(people=5)
    document_id = uuid.uuid4()
    requested = await notify.publish(documents.ApprovalRequested(
        approval_id=uuid.uuid4(), document_id=document_id, client_id=client,
        document_name="Avtal.pdf", message="", contacts=[answerer], first_answer_decides=True,
    ), actor=owner)  # fmt: skip
    await wait_until(lambda: notify.mails_to(f"{answerer}@client.test"))
    answered = await notify.publish(documents.ApprovalAnswered(
        approval_id=uuid.uuid4(), document_id=document_id, client_id=client,
        contact_id=answerer, answer="accepted", comment="ok", status="accepted",
    ), actor=answerer)  # fmt: skip
    depleted = await notify.publish(billing.BalanceDepleted(reserved=0))

    await wait_until(lambda: len(notify.smtp.messages) == 4)
    await notify.delivered(requested, answered, depleted)
    got = sorted((m["To"].split("@")[0], m["Subject"]) for m in notify.smtp.messages)
    # The answerer is the actor; a member not assigned to the client does not see it; the
    # commercial contact is not told of operational matters.
    assert got == sorted([
        (str(answerer), "Approval requested: Avtal.pdf"),
        (str(operational), "Avtal.pdf was accepted"),
        (str(owner), "Avtal.pdf was accepted"),
        (str(owner), "No e-signatures left"),
    ])  # fmt: skip
    assert {member, commercial}.isdisjoint(
        uuid.UUID(m["To"].split("@")[0]) for m in notify.smtp.messages
    )
