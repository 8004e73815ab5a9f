"""Message threads over HTTP against the real documents service (PostgreSQL, RabbitMQ, S3,
billing): who sees a thread — one test per kind of principal —, files stored like uploads
and counted against the quota, unread counts and read receipts, edits within 15 minutes with
the earlier text kept for staff, and no deletion once someone else has read a message."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from shared.events.identity import PortalAccessRevoked
from tests.documents.integration.conftest import Person, Portal
from tests.documents.integration.test_comments_approvals import Reply, assert_problem, call
from tests.documents.integration.test_events import one
from tests.documents.integration.test_uploads import pdf
from tests.support.infra import wait_until


@dataclass
class Scene:
    firm: uuid.UUID
    client: uuid.UUID
    admin: Person
    member: Person  # assigned to the client
    unassigned: Person
    included: Person  # a portal contact the thread includes
    other: Person  # a portal contact of the same client, not included
    stranger: Person  # a portal contact of another client of the firm
    foreign: Person  # another firm's owner
    foreign_contact: Person  # another firm's contact
    thread: dict[str, Any]


async def scene(portal: Portal) -> Scene:
    firm = await portal.open_firm("partner")
    client, other_client = await portal.client(firm), await portal.client(firm)
    admin = portal.staff(firm, "admin")
    member, unassigned = portal.staff(firm, "member"), portal.staff(firm, "member")
    await portal.assign(member, client)
    included, other = await portal.contact(firm, client), await portal.contact(firm, client)
    stranger = await portal.contact(firm, other_client)
    foreign_firm = await portal.open_firm("partner")
    foreign = portal.staff(foreign_firm, "owner")
    foreign_contact = await portal.contact(foreign_firm, await portal.client(foreign_firm))
    body = {"subject": "Bokslut", "body": "Hej! Har ni fått underlaget?",
            "contacts": [str(included.user_id)]}  # fmt: skip
    started = await call(portal, member, "POST", f"/api/v1/clients/{client}/threads", body)
    assert started.status == 201, started.body
    return Scene(firm, client, admin, member, unassigned, included, other, stranger, foreign,
                 foreign_contact, started.body)  # fmt: skip


def url(s: Scene, then: str = "") -> str:
    return f"/api/v1/threads/{s.thread['id']}{then}"


async def sees(portal: Portal, s: Scene, who: Person) -> bool:
    """The thread, its messages and the client's list of threads, as `who` gets them."""
    reply = await call(portal, who, "GET", url(s))
    listed = await call(portal, who, "GET", f"/api/v1/clients/{s.client}/threads")
    posted = await call(portal, who, "POST", url(s, "/messages"), {"body": "Jag är här"})
    ids = [t["id"] for t in listed.body.get("threads", [])] if listed.status == 200 else []
    if reply.status == 200:
        assert posted.status == 201, posted.body
        assert ids == [s.thread["id"]]
        return True
    assert_problem(reply, 404)
    assert_problem(posted, 404)
    assert s.thread["id"] not in ids
    return False


async def test_a_staff_admin_sees_every_thread_of_the_firm(portal: Portal) -> None:
    s = await scene(portal)
    assert await sees(portal, s, s.admin)


async def test_an_assigned_member_sees_the_clients_threads(portal: Portal) -> None:
    s = await scene(portal)
    assert await sees(portal, s, s.member)


async def test_an_unassigned_member_does_not(portal: Portal) -> None:
    s = await scene(portal)
    assert not await sees(portal, s, s.unassigned)


async def test_an_included_contact_sees_it(portal: Portal) -> None:
    s = await scene(portal)
    assert await sees(portal, s, s.included)


async def test_a_contact_of_the_same_client_not_included_does_not(portal: Portal) -> None:
    s = await scene(portal)
    assert not await sees(portal, s, s.other)
    listed = await call(portal, s.other, "GET", f"/api/v1/clients/{s.client}/threads")
    assert listed.body["threads"] == []


async def test_another_clients_contact_does_not(portal: Portal) -> None:
    s = await scene(portal)
    assert not await sees(portal, s, s.stranger)


async def test_another_firm_does_not(portal: Portal) -> None:
    s = await scene(portal)
    assert not await sees(portal, s, s.foreign)
    assert not await sees(portal, s, s.foreign_contact)


async def test_a_contact_who_loses_portal_access_loses_the_thread_at_once(
    portal: Portal,
) -> None:
    s = await scene(portal)
    assert (await call(portal, s.included, "GET", url(s))).status == 200
    await portal.publish(PortalAccessRevoked(contact_id=s.included.user_id), s.firm)
    await portal.present(
        "SELECT 1 FROM contacts WHERE contact_id = $1 AND NOT portal_access", s.included.user_id
    )
    assert_problem(await call(portal, s.included, "GET", url(s)), 404)


async def test_a_contact_starts_a_thread_that_includes_them(portal: Portal) -> None:
    s = await scene(portal)
    base = f"/api/v1/clients/{s.client}/threads"
    mine = await call(portal, s.other, "POST", base, {"subject": "Fråga", "body": "Hej byrån"})
    assert mine.status == 201, mine.body
    assert mine.body["contacts"] == [str(s.other.user_id)]
    assert (await call(portal, s.member, "GET", f"/api/v1/threads/{mine.body['id']}")).status == 200
    assert_problem(await call(portal, s.included, "GET", f"/api/v1/threads/{mine.body['id']}"),
                   404)  # fmt: skip
    naming = {"subject": "X", "body": "Y", "contacts": [str(s.included.user_id)]}
    assert_problem(await call(portal, s.other, "POST", base, naming), 422, "contacts")
    nobody = {"subject": "X", "body": "Y", "contacts": []}
    assert_problem(await call(portal, s.member, "POST", base, nobody), 422, "contacts")
    strangers = {"subject": "X", "body": "Y", "contacts": [str(s.stranger.user_id)]}
    assert_problem(await call(portal, s.member, "POST", base, strangers), 422, "contacts")


async def test_unread_counts_and_read_receipts(portal: Portal) -> None:
    s = await scene(portal)
    listed = await call(portal, s.included, "GET", f"/api/v1/clients/{s.client}/threads")
    assert listed.body["threads"][0]["unread"] == 1
    assert (await call(portal, s.member, "GET", url(s))).body["unread"] == 0  # their own
    assert (await call(portal, s.admin, "GET", url(s))).body["unread"] == 1
    assert (await call(portal, s.included, "POST", url(s, "/read"))).status == 204
    thread = (await call(portal, s.member, "GET", url(s))).body
    assert [r["reader_id"] for r in thread["messages"][0]["read_by"]] == [str(s.included.user_id)]
    listed = await call(portal, s.included, "GET", f"/api/v1/clients/{s.client}/threads")
    assert listed.body["threads"][0]["unread"] == 0
    await call(portal, s.included, "POST", url(s, "/messages"), {"body": "Ja, tack!"})
    assert (await call(portal, s.member, "GET", url(s))).body["unread"] == 1
    assert (await call(portal, s.included, "GET", url(s))).body["unread"] == 0
    posted = await one(portal.captured, "documents.thread.message_posted", body="Ja, tack!")
    assert posted["data"]["contacts"] == [str(s.included.user_id)]


async def test_edits_within_fifteen_minutes_keep_the_earlier_text_for_staff(
    portal: Portal,
) -> None:
    s = await scene(portal)
    message = s.thread["messages"][0]
    edit = url(s, f"/messages/{message['id']}")
    edited = await call(portal, s.member, "PATCH", edit, {"body": "Hej! Har ni fått allt?"})
    assert edited.status == 200, edited.body
    assert edited.body["messages"][0]["body"] == "Hej! Har ni fått allt?"
    assert [p["body"] for p in edited.body["messages"][0]["previous"]] == [
        "Hej! Har ni fått underlaget?"
    ]
    seen = (await call(portal, s.included, "GET", url(s))).body["messages"][0]
    assert seen["previous"] is None
    assert seen["edited_at"] is not None
    assert_problem(await call(portal, s.admin, "PATCH", edit, {"body": "Nej"}), 403)
    await portal.sql("UPDATE messages SET created_at = created_at - $1::interval WHERE id = $2",
                     timedelta(minutes=16), uuid.UUID(message["id"]))  # fmt: skip
    assert_problem(await call(portal, s.member, "PATCH", edit, {"body": "Sent"}), 409)


async def test_a_message_read_by_another_participant_cannot_be_deleted(portal: Portal) -> None:
    s = await scene(portal)
    fresh = await call(portal, s.member, "POST", url(s, "/messages"), {"body": "Oj, fel tråd"})
    gone = fresh.body["messages"][-1]["id"]
    assert_problem(await call(portal, s.included, "DELETE", url(s, f"/messages/{gone}")), 403)
    assert (await call(portal, s.member, "DELETE", url(s, f"/messages/{gone}"))).status == 204
    shown = (await call(portal, s.included, "GET", url(s))).body["messages"][-1]
    assert shown["deleted"] is True
    assert shown["body"] == ""
    first = s.thread["messages"][0]["id"]
    await call(portal, s.included, "POST", url(s, "/read"))
    assert_problem(await call(portal, s.member, "DELETE", url(s, f"/messages/{first}")), 409)


async def send_file(portal: Portal, who: Person, s: Scene, name: str, data: bytes) -> Reply:
    async with portal.http.post(url(s, "/files"), params={"name": name}, data=data,
                                headers=who.headers) as response:  # fmt: skip
        return Reply(response.status, await response.json(), response.content_type)


async def test_files_are_stored_like_uploads_in_the_chosen_folder(portal: Portal) -> None:
    s = await scene(portal)
    assert_problem(await send_file(portal, s.included, s, "a.pdf", pdf(2_000)), 409)
    folder = await portal.folder(s.admin, s.client, level="none")
    choose = f"/api/v1/clients/{s.client}/threads/folder"
    assert_problem(await call(portal, s.included, "PUT", choose, {"folder_id": folder["id"]}),
                   403)  # fmt: skip
    chosen = await call(portal, s.admin, "PUT", choose, {"folder_id": folder["id"]})
    assert chosen.body == {"folder_id": folder["id"]}
    data = pdf(40_000)
    sent = await send_file(portal, s.included, s, "kvitto.pdf", data)
    assert sent.status == 201, sent.body
    await wait_until(lambda: _usage_is(portal, s.firm, (len(data), 0)))
    attach = {"body": "Här är kvittot", "attachments": [sent.body["document_id"]]}
    posted = await call(portal, s.included, "POST", url(s, "/messages"), attach)
    assert [a["name"] for a in posted.body["messages"][-1]["attachments"]] == ["kvitto.pdf"]
    # A file is attached once, and only by whoever uploaded it.
    assert_problem(await call(portal, s.included, "POST", url(s, "/messages"), attach), 422,
                   "attachments")  # fmt: skip
    again = await send_file(portal, s.included, s, "kvitto.pdf", pdf(3_000))
    assert again.body["name"] == "kvitto (2).pdf"
    theirs = {"body": "Min?", "attachments": [again.body["document_id"]]}
    assert_problem(await call(portal, s.member, "POST", url(s, "/messages"), theirs), 422,
                   "attachments")  # fmt: skip
    assert_problem(await send_file(portal, s.included, s, "huge.bin", b"\0" * 30_000_001), 413)
    assert_problem(await send_file(portal, s.other, s, "a.pdf", pdf(2_000)), 404)
    assert (await send_file(portal, s.included, s, "a.bin", b"\1" * 29_000_000)).status == 201
    over = await send_file(portal, s.included, s, "b.bin", b"\1" * 29_000_000)
    assert_problem(over, 402)


async def _usage_is(portal: Portal, firm: uuid.UUID, expected: tuple[int, int]) -> bool:
    return await portal.usage(firm) == expected
