"""Comments and approval requests over HTTP against the real documents service (PostgreSQL,
RabbitMQ, S3, billing), and the events they put on the bus.

The rules under test: anyone who can see a document comments on it; staff ask the client's
contacts who can see it to accept or reject; without named contacts the first answer decides,
with named contacts all must accept and one rejection rejects; whatever a user may not see is
404, exactly as if it did not exist."""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.documents.integration.conftest import Person, Portal
from tests.documents.integration.test_uploads import pdf
from tests.documents.integration.test_uploads import setup as firm_with_folder
from tests.support.capture import Capture
from tests.support.infra import wait_until

PROBLEM = "application/problem+json"
COMMENT_ADDED = "documents.comment.added"
APPROVAL_REQUESTED = "documents.approval.requested"
APPROVAL_ANSWERED = "documents.approval.answered"
OTHER = {"accepted": "rejected", "rejected": "accepted"}


@dataclass
class Scene:
    firm: uuid.UUID
    client: uuid.UUID
    owner: Person
    alice: Person  # alice, bob and dave are the folder's audience: they see the document
    bob: Person
    dave: Person
    outsider: Person  # a portal contact of the same client, left out of the folder's audience
    stranger: Person  # a portal contact of another client of the same firm
    document: str


async def scene(portal: Portal) -> Scene:
    firm, client, owner, _ = await firm_with_folder(portal)
    other_client = await portal.client(firm)
    alice, bob, dave, outsider = await asyncio.gather(
        *(portal.contact(firm, client) for _ in range(4))
    )
    stranger = await portal.contact(firm, other_client)
    audience = [str(p.user_id) for p in (alice, bob, dave)]
    folder = await portal.folder(owner, client, level="read", audience=audience)
    document = await portal.upload(owner, folder["id"], "bokslut.pdf", pdf(4_000))
    return Scene(firm, client, owner, alice, bob, dave, outsider, stranger, document["id"])


@dataclass
class Reply:
    status: int
    body: Any
    content_type: str


async def call(portal: Portal, who: Person, method: str, url: str, body: Any = None) -> Reply:
    async with portal.http.request(method, url, json=body, headers=who.headers) as response:
        data = await response.json(content_type=None)
        return Reply(response.status, data, response.content_type)


def assert_problem(reply: Reply, status: int, field: str | None = None) -> None:
    assert reply.status == status, reply.body
    assert reply.content_type == PROBLEM
    assert reply.body["status"] == status
    if field is not None:
        assert reply.body["field"] == field, reply.body


async def post_comment(portal: Portal, who: Person, document: str, body: Any) -> Reply:
    return await call(portal, who, "POST", f"/api/v1/documents/{document}/comments", body)


async def comment(portal: Portal, who: Person, document: str, text: str) -> Reply:
    return await post_comment(portal, who, document, {"body": text})


async def comments(portal: Portal, who: Person, document: str) -> Reply:
    return await call(portal, who, "GET", f"/api/v1/documents/{document}/comments")


async def thread(portal: Portal, who: Person, document: str) -> list[tuple[str, str, str]]:
    """(author id, author kind, body) of each comment, in the order the API lists them."""
    listed = await comments(portal, who, document)
    assert listed.status == 200, listed.body
    return [(c["author_id"], c["author_kind"], c["body"]) for c in listed.body["comments"]]


async def ask(
    portal: Portal, who: Person, document: str, *, contacts: list[Person] | None = None,
    message: str = "",
) -> Reply:  # fmt: skip
    body: dict[str, Any] = {"message": message}
    if contacts is not None:
        body["contacts"] = [str(c.user_id) for c in contacts]
    return await call(portal, who, "POST", f"/api/v1/documents/{document}/approvals", body)


async def asked(portal: Portal, scene: Scene, contacts: list[Person] | None = None) -> str:
    """A pending request by the owner; its id."""
    reply = await ask(portal, scene.owner, scene.document, contacts=contacts)
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "pending"
    return str(reply.body["id"])


async def post_answer(portal: Portal, who: Person, approval: str, body: Any) -> Reply:
    return await call(portal, who, "POST", f"/api/v1/approvals/{approval}/answer", body)


async def answer(
    portal: Portal, who: Person, approval: str, verdict: str, remark: str | None = None
) -> Reply:
    body = {"answer": verdict} if remark is None else {"answer": verdict, "comment": remark}
    return await post_answer(portal, who, approval, body)


async def approvals(portal: Portal, who: Person, document: str) -> list[dict[str, Any]]:
    reply = await call(portal, who, "GET", f"/api/v1/documents/{document}/approvals")
    assert reply.status == 200, reply.body
    return list(reply.body["approvals"])


def answers(approval: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(a["contact_id"], a["answer"], a["comment"]) for a in approval["answers"]]


def ids(*people: Person) -> list[str]:
    return sorted(str(p.user_id) for p in people)


# Comments


async def test_contacts_and_staff_comment_and_everyone_who_sees_reads_the_thread(
    portal: Portal,
) -> None:
    s = await scene(portal)
    first = await comment(portal, s.alice, s.document, "Ser bra ut.")
    second = await comment(portal, s.owner, s.document, "Tack, vi skickar in den.")
    assert (first.status, second.status) == (201, 201), (first.body, second.body)
    assert first.body["author_kind"] == "contact"
    expected = [
        (str(s.alice.user_id), "contact", "Ser bra ut."),
        (str(s.owner.user_id), "staff", "Tack, vi skickar in den."),
    ]
    for reader in (s.bob, s.owner):
        assert await thread(portal, reader, s.document) == expected


async def test_contacts_who_cannot_see_the_document_get_404_on_its_comments(
    portal: Portal,
) -> None:
    s = await scene(portal)
    assert (await comment(portal, s.alice, s.document, "Bara för oss.")).status == 201
    for who in (s.outsider, s.stranger):
        assert_problem(await comments(portal, who, s.document), 404)
        assert_problem(await comment(portal, who, s.document, "Hej"), 404)
    assert [c[2] for c in await thread(portal, s.owner, s.document)] == ["Bara för oss."]


async def test_a_comment_body_holds_1_to_10_000_characters(portal: Portal) -> None:
    s = await scene(portal)
    for refused in ({"body": ""}, {"body": "x" * 10_001}, {}):
        assert_problem(await post_comment(portal, s.alice, s.document, refused), 422, "body")
    assert (await comment(portal, s.alice, s.document, "x" * 10_000)).status == 201
    assert [len(c[2]) for c in await thread(portal, s.owner, s.document)] == [10_000]


# Approval requests without named contacts


@pytest.mark.parametrize(
    ("verdict", "remark"), [("accepted", None), ("rejected", "Fel belopp på rad 3.")]
)
async def test_without_named_contacts_the_first_answer_decides(
    portal: Portal, verdict: str, remark: str | None
) -> None:
    s = await scene(portal)
    requested = await ask(portal, s.owner, s.document, message="Godkänn bokslutet.")
    assert requested.status == 201, requested.body
    assert (requested.body["status"], requested.body["contacts"]) == ("pending", None)
    approval = str(requested.body["id"])
    decided = await answer(portal, s.alice, approval, verdict, remark)
    assert decided.status == 200, decided.body
    assert decided.body["status"] == verdict
    assert_problem(await answer(portal, s.bob, approval, OTHER[verdict]), 409)
    [shown] = await approvals(portal, s.owner, s.document)
    assert (shown["id"], shown["status"], shown["message"]) == (
        approval, verdict, "Godkänn bokslutet."
    )  # fmt: skip
    assert shown["decided_at"] is not None
    assert answers(shown) == [(str(s.alice.user_id), verdict, remark or "")]


async def test_simultaneous_first_answers_are_decided_by_exactly_one(portal: Portal) -> None:
    s = await scene(portal)
    approval = await asked(portal, s)
    replies = await asyncio.gather(
        answer(portal, s.alice, approval, "accepted"), answer(portal, s.bob, approval, "rejected")
    )
    assert sorted(r.status for r in replies) == [200, 409], [r.body for r in replies]
    winner = next(r for r in replies if r.status == 200)
    [shown] = await approvals(portal, s.owner, s.document)
    assert shown["status"] == winner.body["status"]
    assert [a[1] for a in answers(shown)] == [winner.body["status"]]


# Approval requests naming contacts


async def test_only_named_contacts_answer_and_all_of_them_must_accept(portal: Portal) -> None:
    s = await scene(portal)
    approval = await asked(portal, s, contacts=[s.alice, s.bob])
    assert_problem(await answer(portal, s.dave, approval, "accepted"), 404)
    first = await answer(portal, s.alice, approval, "accepted", "OK från mig.")
    assert first.status == 200, first.body
    assert (first.body["status"], first.body["decided_at"]) == ("pending", None)
    # An answer is final: Alice cannot change hers while the request is still pending.
    assert_problem(await answer(portal, s.alice, approval, "rejected"), 409)
    last = await answer(portal, s.bob, approval, "accepted")
    assert last.status == 200, last.body
    assert last.body["status"] == "accepted"
    [shown] = await approvals(portal, s.owner, s.document)
    assert sorted(shown["contacts"]) == ids(s.alice, s.bob)
    assert (shown["status"], shown["decided_at"] is not None) == ("accepted", True)
    assert sorted(answers(shown)) == sorted(
        [(str(s.alice.user_id), "accepted", "OK från mig."), (str(s.bob.user_id), "accepted", "")]
    )


async def test_with_named_contacts_one_rejection_rejects_at_once(portal: Portal) -> None:
    s = await scene(portal)
    approval = await asked(portal, s, contacts=[s.alice, s.bob])
    rejected = await answer(portal, s.alice, approval, "rejected", "Saknar bilaga.")
    assert rejected.status == 200, rejected.body
    assert rejected.body["status"] == "rejected"
    assert_problem(await answer(portal, s.bob, approval, "accepted"), 409)
    [shown] = await approvals(portal, s.owner, s.document)
    assert shown["status"] == "rejected"
    assert answers(shown) == [(str(s.alice.user_id), "rejected", "Saknar bilaga.")]


async def test_named_contacts_must_be_able_to_see_the_document(portal: Portal) -> None:
    s = await scene(portal)
    for unseeing in (s.outsider, s.stranger):
        refused = await ask(portal, s.owner, s.document, contacts=[s.alice, unseeing])
        assert_problem(refused, 422, "contacts")
    assert await approvals(portal, s.owner, s.document) == []


async def test_a_request_naming_nobody_is_refused(portal: Portal) -> None:
    s = await scene(portal)
    assert_problem(await ask(portal, s.owner, s.document, contacts=[]), 422, "contacts")
    assert await approvals(portal, s.owner, s.document) == []


async def test_a_request_nobody_could_answer_is_refused(portal: Portal) -> None:
    s = await scene(portal)
    hidden = await portal.folder(s.owner, s.client, level="none")
    document = await portal.upload(s.owner, hidden["id"], "utkast.pdf", pdf(4_000))
    assert_problem(await ask(portal, s.owner, document["id"]), 409)
    assert await approvals(portal, s.owner, document["id"]) == []


# Who may ask and answer, and what an answer is


async def test_contacts_cannot_ask_and_staff_cannot_answer(portal: Portal) -> None:
    s = await scene(portal)
    assert_problem(await ask(portal, s.alice, s.document), 403)
    approval = await asked(portal, s)
    assert_problem(await answer(portal, s.owner, approval, "accepted"), 403)
    [shown] = await approvals(portal, s.owner, s.document)
    assert (shown["id"], shown["status"], shown["answers"]) == (approval, "pending", [])


async def test_contacts_who_cannot_see_the_document_cannot_see_or_answer_its_requests(
    portal: Portal,
) -> None:
    s = await scene(portal)
    approval = await asked(portal, s)
    for who in (s.outsider, s.stranger):
        reply = await call(portal, who, "GET", f"/api/v1/documents/{s.document}/approvals")
        assert_problem(reply, 404)
        assert_problem(await answer(portal, who, approval, "accepted"), 404)
    assert_problem(await answer(portal, s.alice, str(uuid.uuid4()), "accepted"), 404)
    [shown] = await approvals(portal, s.alice, s.document)
    assert (shown["status"], shown["answers"]) == ("pending", [])


async def test_an_answer_is_accepted_or_rejected_with_a_short_comment(portal: Portal) -> None:
    s = await scene(portal)
    approval = await asked(portal, s)
    refused = [
        ({"answer": "maybe"}, "answer"),
        ({"comment": "Ja."}, "answer"),
        ({"answer": "accepted", "comment": "x" * 5_001}, "comment"),
    ]
    for body, field in refused:
        assert_problem(await post_answer(portal, s.alice, approval, body), 422, field)
    [shown] = await approvals(portal, s.owner, s.document)
    assert (shown["status"], shown["answers"]) == ("pending", [])


# Events


# What each event carries: ids, names and text, never the file's bytes or a link to them.
FIELDS = {
    COMMENT_ADDED: {"comment_id", "document_id", "client_id", "folder_id", "document_name",
                    "author_kind", "body", "audience"},
    APPROVAL_REQUESTED: {"approval_id", "document_id", "client_id", "document_name", "message",
                         "contacts", "first_answer_decides"},
    APPROVAL_ANSWERED: {"approval_id", "document_id", "client_id", "contact_id", "answer",
                        "comment", "status"},
}  # fmt: skip


def activity(seen: Capture) -> list[dict[str, Any]]:
    """Comment and approval envelopes (the capture also hears the scene's folder and upload)."""
    return [m for m in seen.messages if m["type"] in FIELDS]


async def exactly(portal: Portal, count: int) -> list[dict[str, Any]]:
    seen = portal.captured
    await wait_until(lambda: len(activity(seen)) >= count)
    await portal.all_published()  # a surplus event, had one been staged, has arrived
    found = activity(seen)
    assert len(found) == count, [m["type"] for m in found]
    return found


def of_type(found: list[dict[str, Any]], type_: str) -> list[dict[str, Any]]:
    return [m for m in found if m["type"] == type_]


def assert_about(envelope: dict[str, Any], s: Scene, actor: uuid.UUID | str) -> None:
    """An event of this firm, client and document, caused by `actor`, with only its fields."""
    assert envelope["firm_id"] == str(s.firm)
    assert envelope["actor"] == str(actor)
    assert set(envelope["data"]) == FIELDS[envelope["type"]]
    assert envelope["data"]["document_id"] == s.document
    assert envelope["data"]["client_id"] == str(s.client)


async def test_comment_request_and_answer_each_publish_one_event(portal: Portal) -> None:
    s = await scene(portal)
    posted = await comment(portal, s.alice, s.document, "Klart för mig.")
    approval = await asked(portal, s)
    assert (await answer(portal, s.bob, approval, "rejected", "Nej.")).status == 200
    assert_problem(await answer(portal, s.dave, approval, "accepted"), 409)
    found = await exactly(portal, 3)
    [added] = of_type(found, COMMENT_ADDED)
    [requested] = of_type(found, APPROVAL_REQUESTED)
    [answered] = of_type(found, APPROVAL_ANSWERED)
    assert_about(added, s, s.alice.user_id)
    assert_about(requested, s, s.owner.user_id)
    assert_about(answered, s, s.bob.user_id)
    assert added["data"]["comment_id"] == posted.body["id"]
    assert (added["data"]["author_kind"], added["data"]["body"]) == ("contact", "Klart för mig.")
    assert sorted(added["data"]["audience"]) == ids(s.alice, s.bob, s.dave)
    assert requested["data"]["approval_id"] == approval
    assert sorted(requested["data"]["contacts"]) == ids(s.alice, s.bob, s.dave)
    assert requested["data"]["first_answer_decides"] is True
    assert answered["data"]["approval_id"] == approval
    assert (answered["data"]["contact_id"], answered["data"]["answer"]) == (
        str(s.bob.user_id), "rejected"
    )  # fmt: skip
    assert (answered["data"]["comment"], answered["data"]["status"]) == ("Nej.", "rejected")


async def test_answers_to_a_named_request_carry_the_status_after_each(portal: Portal) -> None:
    s = await scene(portal)
    approval = await asked(portal, s, contacts=[s.alice, s.bob])
    assert_problem(await answer(portal, s.dave, approval, "accepted"), 404)
    assert (await answer(portal, s.alice, approval, "accepted")).status == 200
    assert (await answer(portal, s.bob, approval, "accepted")).status == 200
    found = await exactly(portal, 3)
    [requested] = of_type(found, APPROVAL_REQUESTED)
    assert sorted(requested["data"]["contacts"]) == ids(s.alice, s.bob)
    assert requested["data"]["first_answer_decides"] is False
    answered = of_type(found, APPROVAL_ANSWERED)
    assert_about(requested, s, s.owner.user_id)
    for envelope in answered:
        assert_about(envelope, s, envelope["data"]["contact_id"])
    status_after = {m["data"]["contact_id"]: m["data"]["status"] for m in answered}
    assert status_after == {str(s.alice.user_id): "pending", str(s.bob.user_id): "accepted"}


# What waits for an answer


async def waiting(portal: Portal, who: Person, client: uuid.UUID) -> Reply:
    return await call(portal, who, "GET", f"/api/v1/clients/{client}/approvals/waiting")


async def waiting_ids(portal: Portal, who: Person, client: uuid.UUID) -> list[str]:
    reply = await waiting(portal, who, client)
    assert reply.status == 200, reply.body
    return [a["id"] for a in reply.body["approvals"]]


async def test_a_contact_sees_the_requests_waiting_for_their_own_answer(portal: Portal) -> None:
    s = await scene(portal)
    everyone = await asked(portal, s)
    named = await asked(portal, s, contacts=[s.alice, s.bob])
    assert await waiting_ids(portal, s.alice, s.client) == [everyone, named]
    assert await waiting_ids(portal, s.dave, s.client) == [everyone]
    listed = (await waiting(portal, s.alice, s.client)).body["approvals"][0]
    assert listed["document_id"] == s.document
    assert listed["document_name"] == "bokslut.pdf"

    assert (await answer(portal, s.alice, named, "accepted")).status == 200
    assert await waiting_ids(portal, s.alice, s.client) == [everyone]
    assert await waiting_ids(portal, s.bob, s.client) == [everyone, named]
    assert await waiting_ids(portal, s.owner, s.client) == [everyone, named]

    assert (await answer(portal, s.bob, everyone, "rejected")).status == 200
    assert await waiting_ids(portal, s.alice, s.client) == []
    assert await waiting_ids(portal, s.owner, s.client) == [named]


async def test_requests_are_not_listed_to_contacts_who_cannot_see_the_document(
    portal: Portal,
) -> None:
    s = await scene(portal)
    await asked(portal, s)
    assert await waiting_ids(portal, s.outsider, s.client) == []
    assert_problem(await waiting(portal, s.stranger, s.client), 404)


async def test_staff_see_what_waits_across_the_clients_they_see(portal: Portal) -> None:
    s = await scene(portal)
    other_client = await portal.client(s.firm)
    other = await portal.contact(s.firm, other_client)
    folder = await portal.folder(s.owner, other_client, level="read", audience="all")
    elsewhere = await portal.upload(s.owner, folder["id"], "lön.pdf", pdf(3_000))
    here = await asked(portal, s)
    reply = await ask(portal, s.owner, elsewhere["id"])
    assert reply.status == 201, reply.body
    there = str(reply.body["id"])
    assigned, unassigned = portal.staff(s.firm, "member"), portal.staff(s.firm, "member")
    await portal.assign(assigned, s.client)
    stranger = portal.staff(await portal.open_firm(), "owner")

    async def firm_wide(who: Person) -> Reply:
        return await call(portal, who, "GET", "/api/v1/approvals/waiting")

    everything = await firm_wide(s.owner)
    assert [(a["id"], a["client_id"]) for a in everything.body["approvals"]] == [
        (here, str(s.client)), (there, str(other_client))
    ]  # fmt: skip
    assert [a["id"] for a in (await firm_wide(assigned)).body["approvals"]] == [here]
    assert (await firm_wide(unassigned)).body["approvals"] == []
    assert (await firm_wide(stranger)).body["approvals"] == []
    assert_problem(await firm_wide(other), 403)
    assert (await answer(portal, other, there, "accepted")).status == 200
    assert [a["id"] for a in (await firm_wide(s.owner)).body["approvals"]] == [here]
