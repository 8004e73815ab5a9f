"""Document requests over HTTP against the real documents service (PostgreSQL, RabbitMQ, S3,
billing): staff ask a client's portal contacts for documents item by item; the contacts asked
upload against an item into its folder (whatever that folder's own customer level) through
the normal upload path; staff accept or return; whoever may not see a request gets 404."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.documents import jobs
from services.documents.app import create_app as documents_app
from shared.http.routing import DEPS
from tests.documents.integration.conftest import Person, Portal, open_portal
from tests.documents.integration.test_comments_approvals import Reply, assert_problem, call
from tests.documents.integration.test_events import one
from tests.documents.integration.test_uploads import pdf
from tests.support.infra import wait_until
from tests.support.services import Environment, serve
from tests.support.tokens import JwksServer

CREATED = "documents.request.created"
STATUS = "documents.request.item_status_changed"
REMINDER = "documents.request.reminder_due"


@dataclass
class Scene:
    firm: uuid.UUID
    client: uuid.UUID
    owner: Person
    member: Person  # assigned to the client
    unassigned: Person
    asked: Person  # in the request's audience
    left_out: Person  # a portal contact of the same client, not chosen
    stranger: Person  # a portal contact of another client of the firm
    foreign: Person  # another firm's owner
    folder: dict[str, Any]  # closed to customers: the item grants upload only for itself


async def scene(portal: Portal) -> Scene:
    firm = await portal.open_firm("partner")
    client, other_client = await portal.client(firm), await portal.client(firm)
    owner = portal.staff(firm, "owner")
    member, unassigned = portal.staff(firm, "member"), portal.staff(firm, "member")
    await portal.assign(member, client)
    asked, left_out = await portal.contact(firm, client), await portal.contact(firm, client)
    stranger = await portal.contact(firm, other_client)
    foreign = portal.staff(uuid.uuid4(), "owner")
    folder = await portal.folder(owner, client, level="none")
    return Scene(firm, client, owner, member, unassigned, asked, left_out, stranger, foreign,
                 folder)  # fmt: skip


def due(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


async def ask(portal: Portal, s: Scene, *items: str, **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Bokslut 2026", "message": "Tack på förhand",
        "audience": [str(s.asked.user_id)],
        "items": [{"title": t, "due_date": due(10), "folder_id": s.folder["id"]} for t in items],
    } | extra  # fmt: skip
    reply = await call(portal, s.owner, "POST", f"/api/v1/clients/{s.client}/requests", body)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


async def send_file(
    portal: Portal, who: Person, request: dict[str, Any], item: int, name: str, data: bytes
) -> Reply:
    item_id = request["items"][item]["id"]
    async with portal.http.post(
        f"/api/v1/requests/{request['id']}/items/{item_id}/files", params={"name": name},
        data=data, headers=who.headers,
    ) as response:  # fmt: skip
        return Reply(response.status, await response.json(), response.content_type)


def url(request: dict[str, Any], item: int | None = None, then: str = "") -> str:
    base = f"/api/v1/requests/{request['id']}"
    return base if item is None else f"{base}/items/{request['items'][item]['id']}{then}"


async def test_staff_create_edit_and_close_and_every_change_is_an_event(portal: Portal) -> None:
    s = await scene(portal)
    request = await ask(portal, s, "Kontoutdrag december", "Kvitton")
    assert request["status"] == "open"
    assert [i["status"] for i in request["items"]] == ["open"] * 2
    assert request["reminders"] == {"days_before": [3], "on_due_date": True,
                                    "every_days_after": 3, "at_most": 5}  # fmt: skip
    created = await one(portal.captured, CREATED, request_id=request["id"])
    assert created["data"]["contacts"] == [str(s.asked.user_id)]
    item = {"title": "Lönebesked", "due_date": due(5), "folder_id": s.folder["id"]}
    added = await call(portal, s.member, "POST", f"{url(request)}/items", item)
    assert added.status == 201, added.body
    assert [i["title"] for i in added.body["items"]][-1] == "Lönebesked"
    edited = await call(portal, s.owner, "PATCH", url(request, 1),
                        {"title": "Kvitton november", "due_date": due(20)})  # fmt: skip
    assert edited.body["items"][1]["title"] == "Kvitton november"
    assert edited.body["items"][1]["due_date"] == due(20)
    removed = await call(portal, s.owner, "DELETE", url(request, 1))
    assert removed.body["items"][1]["status"] == "cancelled"
    await one(portal.captured, STATUS, item_id=request["items"][1]["id"], item_status="cancelled")
    closed = await call(portal, s.owner, "POST", f"{url(request)}/close")
    assert closed.status == 200
    assert closed.body["closed_at"] is not None
    assert closed.body["status"] == "cancelled"  # nothing was accepted
    assert {i["status"] for i in closed.body["items"]} == {"cancelled"}
    again = await call(portal, s.owner, "POST", url(request, 0, "/accept"))
    assert_problem(again, 409)


async def test_bad_input_names_the_field(portal: Portal) -> None:
    s = await scene(portal)
    base = f"/api/v1/clients/{s.client}/requests"
    other_folder = await portal.folder(s.owner, await portal.client(s.firm))
    item = {"title": "X", "due_date": due(3), "folder_id": other_folder["id"]}
    reply = await call(portal, s.owner, "POST", base, {"title": "T", "items": [item]})
    assert_problem(reply, 422, "items.0.folder_id")
    past = item | {"folder_id": s.folder["id"], "due_date": due(-1)}
    assert_problem(await call(portal, s.owner, "POST", base, {"title": "T", "items": [past]}),
                   422, "items.0.due_date")  # fmt: skip
    chosen = {"title": "T", "items": [past | {"due_date": due(1)}],
              "audience": [str(s.stranger.user_id)]}  # fmt: skip
    assert_problem(await call(portal, s.owner, "POST", base, chosen), 422, "audience")
    assert_problem(await call(portal, s.owner, "POST", base, {"title": "T", "items": []}), 422)


async def test_cancel_ends_the_request(portal: Portal) -> None:
    s = await scene(portal)
    request = await ask(portal, s, "A")
    cancelled = await call(portal, s.owner, "POST", f"{url(request)}/cancel")
    assert cancelled.body["status"] == "cancelled"
    assert_problem(await call(portal, s.owner, "PATCH", url(request), {"title": "Y"}), 409)
    closed = await one(portal.captured, "documents.request.closed", request_id=request["id"])
    assert closed["data"]["cancelled"] is True


async def test_only_the_asked_contacts_and_the_clients_staff_see_a_request(
    portal: Portal,
) -> None:
    s = await scene(portal)
    request = await ask(portal, s, "A")
    for who in (s.owner, s.member, s.asked):
        assert (await call(portal, who, "GET", url(request))).status == 200
    for who in (s.unassigned, s.left_out, s.stranger, s.foreign):
        assert_problem(await call(portal, who, "GET", url(request)), 404)
        assert_problem(await send_file(portal, who, request, 0, "a.pdf", pdf(2_000)),
                       403 if who in (s.unassigned, s.foreign) else 404)  # fmt: skip
    listed = await call(portal, s.left_out, "GET", f"/api/v1/clients/{s.client}/requests")
    assert listed.body["requests"] == []
    mine = await call(portal, s.asked, "GET", f"/api/v1/clients/{s.client}/requests")
    assert [r["id"] for r in mine.body["requests"]] == [request["id"]]
    # The item's folder stays closed to the contact: the request grants upload, not reading.
    assert_problem(await call(portal, s.asked, "GET", f"/api/v1/folders/{s.folder['id']}"), 404)


async def test_a_file_against_an_item_is_uploaded_charged_and_reviewed(portal: Portal) -> None:
    s = await scene(portal)
    request = await ask(portal, s, "Kontoutdrag", "Kvitton")
    data = pdf(50_000)
    sent = await send_file(portal, s.asked, request, 0, "december.pdf", data)
    assert sent.status == 201, sent.body
    assert sent.body["folder_id"] == s.folder["id"]
    await wait_until(lambda: _usage_is(portal, s.firm, (len(data), 0)))
    second = await send_file(portal, s.asked, request, 0, "bilaga.pdf", pdf(3_000))
    assert second.status == 201
    seen = (await call(portal, s.owner, "GET", url(request))).body
    assert seen["items"][0]["status"] == "submitted"
    assert seen["status"] == "open"
    assert [f["name"] for f in seen["items"][0]["files"]] == ["december.pdf", "bilaga.pdf"]
    event = await one(portal.captured, STATUS, document_id=sent.body["id"])
    assert event["data"]["item_status"] == "submitted"
    returned = await call(portal, s.owner, "POST", url(request, 0, "/return"),
                          {"reason": "Sida 2 saknas"})  # fmt: skip
    assert returned.body["items"][0]["status"] == "returned"
    assert returned.body["items"][0]["return_reason"] == "Sida 2 saknas"
    assert_problem(await call(portal, s.owner, "POST", url(request, 0, "/return"), {}), 422)
    await send_file(portal, s.asked, request, 0, "december.pdf", pdf(4_000))
    accepted = await call(portal, s.owner, "POST", url(request, 0, "/accept"))
    assert accepted.body["items"][0]["status"] == "accepted"
    assert_problem(await send_file(portal, s.asked, request, 0, "sent.pdf", pdf(2_000)), 409)
    assert_problem(await call(portal, s.owner, "PATCH", url(request, 0), {"title": "Ny"}), 409)
    versions = await call(portal, s.owner, "GET", f"/api/v1/documents/{sent.body['id']}/versions")
    assert len(versions.body["versions"]) == 2  # the same name again made a new version


async def test_a_contact_never_adds_a_version_to_someone_elses_document(portal: Portal) -> None:
    s = await scene(portal)
    hidden = await portal.upload(s.owner, s.folder["id"], "lön.pdf", pdf(2_000))
    request = await ask(portal, s, "Lön")
    sent = await send_file(portal, s.asked, request, 0, "lön.pdf", pdf(2_500))
    assert sent.status == 201
    assert sent.body["name"] == "lön (2).pdf"
    versions = await call(portal, s.owner, "GET", f"/api/v1/documents/{hidden['id']}/versions")
    assert len(versions.body["versions"]) == 1


async def test_uploads_obey_the_size_limit_and_the_quota(portal: Portal) -> None:
    s = await scene(portal)
    request = await ask(portal, s, "Stort")
    too_large = await send_file(portal, s.asked, request, 0, "huge.bin", b"\0" * 30_000_001)
    assert_problem(too_large, 413)
    assert (await send_file(portal, s.asked, request, 0, "a.bin", b"\1" * 29_000_000)).status == 201
    over = await send_file(portal, s.asked, request, 0, "b.bin", b"\1" * 29_000_000)
    assert_problem(over, 402)
    assert over.body["used"] == 29_000_000
    fake = await send_file(portal, s.asked, request, 0, "fake.pdf", b"MZ\x90\x00" * 500)
    assert_problem(fake, 415)
    files = (await call(portal, s.owner, "GET", url(request))).body["items"][0]["files"]
    assert [f["name"] for f in files] == ["a.bin"]


async def _usage_is(portal: Portal, firm: uuid.UUID, expected: tuple[int, int]) -> bool:
    return await portal.usage(firm) == expected


async def test_staff_see_what_is_overdue_across_the_firm(portal: Portal) -> None:
    s = await scene(portal)
    request = await ask(portal, s, "A")
    await portal.sql("UPDATE request_items SET due_date = due_date - 30 WHERE request_id = $1",
                     uuid.UUID(request["id"]))  # fmt: skip
    for who, expected in ((s.owner, [request["id"]]), (s.member, [request["id"]]),
                          (s.unassigned, [])):  # fmt: skip
        reply = await call(portal, who, "GET", "/api/v1/requests?overdue=true")
        assert [r["id"] for r in reply.body["requests"]] == expected, who
    overdue = (await call(portal, s.owner, "GET", url(request))).body["items"][0]
    assert overdue["overdue"] is True
    assert_problem(await call(portal, s.asked, "GET", "/api/v1/requests"), 403)


async def test_reminders_go_once_per_item_and_time_across_two_replicas(
    env: Environment, jwks: JwksServer
) -> None:
    async with open_portal(env, jwks, reminder_interval_seconds=3600) as portal:
        s = await scene(portal)
        # A second replica of documents on the same database, broker and bucket.
        async with serve(documents_app(portal.settings)) as second:
            request = await ask(portal, s, "A", "B")
            due_day = date.fromisoformat(request["items"][0]["due_date"])
            first = datetime.combine(due_day, datetime.min.time(), tzinfo=UTC) + timedelta(
                days=-3, hours=portal.settings.reminder_hour_utc
            )
            sent = 0
            on_the_day = first + timedelta(days=3)
            for at in (first, first, on_the_day, on_the_day + timedelta(hours=1)):
                runners = [r.app[DEPS] for r in (portal.documents, second) for _ in range(3)]
                runs = await asyncio.gather(*(jobs.remind(deps, at) for deps in runners))
                sent += sum(runs)
            assert sent == 4  # two items, two times (3 days before, on the day)
            rows = await portal.sql("SELECT item_id, remind_at FROM request_reminders")
            assert len(rows) == len({(r["item_id"], r["remind_at"]) for r in rows}) == 4
            await wait_until(lambda: len(portal.captured.of(REMINDER)) == 4)
            await asyncio.sleep(0.5)
            assert len(portal.captured.of(REMINDER)) == 4
            reminded = portal.captured.of(REMINDER)[0]
            assert reminded["contacts"] == [str(s.asked.user_id)]


async def test_an_item_no_longer_waiting_is_not_reminded(
    env: Environment, jwks: JwksServer
) -> None:
    async with open_portal(env, jwks, reminder_interval_seconds=3600) as portal:
        s = await scene(portal)
        request = await ask(portal, s, "A", "B")
        await send_file(portal, s.asked, request, 0, "a.pdf", pdf(2_000))
        await call(portal, s.owner, "DELETE", url(request, 1))
        later = datetime.now(UTC) + timedelta(days=30)
        assert await jobs.remind(portal.documents.app[DEPS], later) == 0
