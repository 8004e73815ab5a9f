"""The firm's audit log over the real stack: events published on the broker as the producing
services publish them become hash-chained entries; owners and admins read, filter, export and
verify them; an entry changed or removed in the database is named as the first broken link,
by the API and by `portalctl audit verify`; two replicas appending for one firm keep one chain."""

import asyncio
import csv
import io
import itertools
import json
import uuid
from datetime import datetime
from typing import Any

from services.notify import auditing
from services.notify.audit_trail import GENESIS, Entry, instant, link
from shared.events import billing, documents, identity, signing
from shared.events.base import Envelope
from shared.service import DB, SETTINGS
from tests.notify.integration.conftest import Notify, StartNotify
from tests.ops.test_portalctl import portalctl
from tests.support.audit_log import insert_chain

ENTRIES = "/api/v1/audit/entries"


def _downloaded(client: uuid.UUID, document: uuid.UUID) -> documents.DocumentDownloaded:
    return documents.DocumentDownloaded(
        document_id=document, version_id=uuid.uuid4(), client_id=client, user_kind="contact",
        method="stream",
    )  # fmt: skip


async def _actions(notify: Notify, owner: uuid.UUID, contact: uuid.UUID) -> dict[str, Any]:
    """A morning at the firm: the owner signs in and works, a contact downloads and signs."""
    client, document, folder = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    rules = documents.FolderRules(level="read", audience_all=True, audience=[],
                                  primary_manages=False)  # fmt: skip
    sent = [
        (identity.SessionOpened(session_id=uuid.uuid4(), person_kind="staff", client_id=None,
                                method="password", source_address="203.0.113.7"), owner),
        (identity.PortalSettingsChanged(sign_in_methods=["password"],
                                        portal_access_default=True), owner),
        (documents.FolderUpdated(folder_id=folder, client_id=client, parent_id=None,
                                 name="Bokslut", rules=rules), owner),
        (documents.DocumentUploaded(document_id=document, version_id=uuid.uuid4(),
                                    client_id=client, folder_id=folder, name="Avtal.pdf",
                                    size=10, content_type="application/pdf", sha256="0" * 64,
                                    uploaded_by_kind="staff", audience=[]), owner),
        (_downloaded(client, document), contact),
        (signing.PartySigned(signing_id=uuid.uuid4(), client_id=client, party_id=uuid.uuid4(),
                             contact_id=contact, role="signer", method="click",
                             document_sha256="0" * 64), contact),
        (documents.DocumentDeleted(document_id=document, version_id=None, client_id=client,
                                   folder_id=folder, name="Avtal.pdf", bytes_freed=10), owner),
        (billing.BalanceToppedUp(purchase_id=uuid.uuid4(), credits=10, balance=12), owner),
    ]  # fmt: skip
    envelopes = []
    for event, actor in sent:
        envelopes.append(await notify.publish(event, actor=actor))
        await asyncio.sleep(0.01)  # one after another, as people act
    return {"client": client, "document": document, "envelopes": envelopes}


async def _recorded(notify: Notify, count: int, firm_id: uuid.UUID | None = None) -> None:
    firm = firm_id or notify.firm_id

    async def enough() -> bool:
        found = await notify.value("SELECT count(*) FROM audit_entries WHERE firm_id = $1", firm)
        return bool(found >= count)

    await notify.until(enough, timeout=20)


async def _get(notify: Notify, path: str, headers: dict[str, str], **query: Any) -> Any:
    async with notify.http.get(path, params=query, headers=headers) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_actions_become_entries_that_admins_read_filter_and_page(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    owner, contact = uuid.uuid4(), uuid.uuid4()
    done = await _actions(notify, owner, contact)
    # The same event delivered again (a redelivery, a replay) is not a second entry.
    await notify.publish_envelope(done["envelopes"][4])
    await _recorded(notify, 9)  # with the firm's opening
    admin = notify.staff_token(role="admin")

    # Handlers run concurrently: the chain's order is the order of recording, and each entry
    # keeps the time of its event.
    page = await _get(notify, ENTRIES, admin)
    assert [e["seq"] for e in page["entries"]] == list(range(9, 0, -1))
    by_kind = {e["kind"]: e for e in page["entries"]}
    assert sorted(by_kind) == sorted([
        "identity.firm.created", "identity.session.opened", "identity.portal_settings.changed",
        "documents.folder.updated", "documents.document.uploaded",
        "documents.document.downloaded", "signing.party.signed", "documents.document.deleted",
        "billing.balance.topped_up",
    ])  # fmt: skip
    signed_in = by_kind["identity.session.opened"]
    assert signed_in["actor"] == str(owner)
    assert signed_in["source_address"] == "203.0.113.7"
    assert signed_in["summary"] == "Signed in (password)"
    download = by_kind["documents.document.downloaded"]
    assert download["client_id"] == str(done["client"])
    assert download["subjects"]["document_id"] == str(done["document"])
    assert download["actor"] == str(contact)
    assert by_kind["billing.balance.topped_up"]["summary"] == "Bought 10 signing credit(s)"
    assert by_kind["documents.folder.updated"]["summary"] == "Changed folder Bokslut (access read)"

    def kinds(found: dict[str, Any]) -> set[str]:
        return {e["kind"] for e in found["entries"]}

    by_contact = await _get(notify, ENTRIES, admin, actor=str(contact))
    assert kinds(by_contact) == {"documents.document.downloaded", "signing.party.signed"}
    of_documents = await _get(notify, ENTRIES, admin, kind="documents.document")
    assert kinds(of_documents) == {"documents.document.uploaded",
                                   "documents.document.downloaded",
                                   "documents.document.deleted"}  # fmt: skip
    by_client = await _get(notify, ENTRIES, admin, client_id=str(done["client"]))
    assert len(by_client["entries"]) == 5
    third, fifth = done["envelopes"][2].occurred_at, done["envelopes"][4].occurred_at
    window = await _get(notify, ENTRIES, admin, since=third.isoformat(), until=fifth.isoformat())
    assert kinds(window) == {"documents.folder.updated", "documents.document.uploaded"}

    first = await _get(notify, ENTRIES, admin, limit=3)
    assert [e["seq"] for e in first["entries"]] == [9, 8, 7]
    assert first["next"] == 7
    rest = await _get(notify, ENTRIES, admin, limit=6, before=first["next"])
    assert [e["seq"] for e in rest["entries"]] == [6, 5, 4, 3, 2, 1]
    assert rest["next"] is None


async def test_only_owners_and_admins_of_the_firm_read_it(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    await _actions(notify, uuid.uuid4(), uuid.uuid4())
    await _recorded(notify, 9)
    for path in (ENTRIES, "/api/v1/audit/verify", "/api/v1/audit/export?format=csv"):
        for headers, status in (
            (notify.staff_token(role="member"), 403),
            (notify.contact_token(client_id=uuid.uuid4()), 403),
            ({}, 401),
        ):
            async with notify.http.get(path, headers=headers) as response:
                assert response.status == status, path
    # Another firm's owner sees their own (empty) log, never this one.
    other = await _get(notify, ENTRIES, notify.staff_token(uuid.uuid4()))
    assert other == {"entries": [], "next": None}
    async with notify.http.get(
        "/api/v1/audit/export?format=jsonl", headers=notify.staff_token(uuid.uuid4())
    ) as response:
        assert await response.read() == b""


async def test_bad_filters_are_named(notify: Notify) -> None:
    owner = notify.staff_token()
    for query, field in (
        ({"actor": "nobody"}, "actor"), ({"since": "2026-12-01T10:00:00"}, "since"),
        ({"kind": "documents.%"}, "kind"), ({"limit": "0"}, "limit"),
    ):  # fmt: skip
        async with notify.http.get(ENTRIES, params=query, headers=owner) as response:
            assert response.status == 422
            assert response.content_type == "application/problem+json"
            assert field in json.dumps(await response.json())
    async with notify.http.get("/api/v1/audit/export?format=xml", headers=owner) as response:
        assert response.status == 422
        assert (await response.json())["field"] == "format"


async def test_an_altered_or_removed_entry_is_the_first_broken_link(notify: Notify) -> None:
    await notify.open_firm(firm_id=notify.firm_id)
    await _actions(notify, uuid.uuid4(), uuid.uuid4())
    await _recorded(notify, 9)
    owner = notify.staff_token()
    variables = {"NOTIFY_DATABASE_URL": notify.service.app[SETTINGS].dsn}
    firm = str(notify.firm_id)

    intact = await _get(notify, "/api/v1/audit/verify", owner)
    assert intact == {"valid": True, "entries": 9, "head": 9, "first_broken": None}
    ran = await portalctl("audit", "verify", "--firm", firm, **variables)
    assert ran.status == 0, ran.out
    assert "9 entries, chain intact" in ran.out

    await notify.sql(
        "UPDATE audit_entries SET summary = 'Nothing to see' WHERE firm_id = $1 AND seq = 5",
        notify.firm_id,
    )
    altered = await _get(notify, "/api/v1/audit/verify", owner)
    assert altered["valid"] is False
    assert altered["first_broken"]["seq"] == 5
    assert altered["first_broken"]["reason"].startswith("altered")
    ran = await portalctl("audit", "verify", "--firm", firm, **variables)
    assert ran.status == 1, ran.out
    assert "BROKEN at entry 5" in ran.out

    await notify.sql("DELETE FROM audit_entries WHERE firm_id = $1 AND seq >= 3", notify.firm_id)
    removed = await _get(notify, "/api/v1/audit/verify", owner)
    assert removed["first_broken"] == {
        "seq": 3, "reason": "missing: the entries from here on were removed"
    }  # fmt: skip


async def test_an_export_of_twenty_thousand_entries_streams_and_parses(notify: Notify) -> None:
    async with notify.service.app[DB].transaction() as conn:
        await insert_chain(conn, notify.firm_id, 20_000)
    owner = notify.staff_token()
    async with notify.http.get("/api/v1/audit/export?format=jsonl", headers=owner) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/jsonl")
        assert "Content-Length" not in response.headers  # streamed, not built in memory
        lines = [json.loads(line) async for line in response.content]
    assert [line["seq"] for line in lines] == list(range(1, 20_001))
    assert lines[41]["summary"] == 'Downloaded "Avtal, 42".pdf'
    assert lines[0]["prev_hash"] == GENESIS.hex()
    assert all(a["hash"] == b["prev_hash"] for a, b in itertools.pairwise(lines))

    client = str(uuid.UUID(int=1))
    async with notify.http.get(
        "/api/v1/audit/export", params={"format": "csv", "client_id": client}, headers=owner
    ) as response:
        assert response.headers["Content-Disposition"].startswith("attachment;")
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == len([s for s in range(1, 20_001) if s % 3 == 1])
    assert rows[0]["summary"] == 'Downloaded "Avtal, 1".pdf'
    assert rows[0]["client_id"] == client
    assert json.loads(rows[0]["subjects"]) == {"document_id": str(uuid.UUID(int=1))}
    verified = await _get(notify, "/api/v1/audit/verify", owner)
    assert verified["valid"] is True
    assert verified["entries"] == 20_000


async def test_exported_lines_recompute_to_their_hashes(notify: Notify) -> None:
    """An auditor can check the export alone: each line's fields hash to its `hash`."""
    async with notify.service.app[DB].transaction() as conn:
        await insert_chain(conn, notify.firm_id, 50)
    async with notify.http.get(
        "/api/v1/audit/export?format=jsonl", headers=notify.staff_token()
    ) as response:
        lines = [json.loads(line) async for line in response.content]
    prev = GENESIS
    for line in lines:
        entry = Entry(
            firm_id=notify.firm_id, seq=line["seq"], event_id=uuid.UUID(line["event_id"]),
            occurred_at=datetime.fromisoformat(line["occurred_at"]), kind=line["kind"],
            actor=uuid.UUID(line["actor"]), summary=line["summary"],
            client_id=uuid.UUID(line["client_id"]), subjects=line["subjects"],
            source_address=line["source_address"],
        )  # fmt: skip
        assert line["prev_hash"] == prev.hex()
        assert link(prev, entry).hex() == line["hash"]
        assert instant(entry.occurred_at) == line["occurred_at"]
        prev = bytes.fromhex(line["hash"])


async def test_csv_cells_that_look_like_formulas_are_written_as_text(notify: Notify) -> None:
    async with notify.service.app[DB].transaction() as conn:
        await insert_chain(conn, notify.firm_id, 2)
    await notify.sql(
        """UPDATE audit_entries SET summary = '=HYPERLINK("http://evil.test")',
                  source_address = '@evil' WHERE firm_id = $1 AND seq = 2""",
        notify.firm_id,
    )
    async with notify.http.get(
        "/api/v1/audit/export?format=csv", headers=notify.staff_token()
    ) as response:
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert rows[1]["summary"] == '\'=HYPERLINK("http://evil.test")'
    assert rows[1]["source_address"] == "'@evil"
    assert rows[0]["summary"] == 'Downloaded "Avtal, 1".pdf'


async def test_two_replicas_appending_for_one_firm_keep_one_chain(
    start_notify: StartNotify,
) -> None:
    notify = await start_notify(replicas=2)
    await notify.open_firm(firm_id=notify.firm_id)
    client = uuid.uuid4()
    sent = await asyncio.gather(*(
        notify.publish(_downloaded(client, uuid.uuid4()), actor=uuid.uuid4()) for _ in range(300)
    ))  # fmt: skip
    await _recorded(notify, 301)
    handled = await notify.sql(
        "SELECT DISTINCT message_id FROM inbox WHERE message_id = ANY($1)", [e.id for e in sent]
    )
    assert len(handled) == 300
    verified = await _get(notify, "/api/v1/audit/verify", notify.staff_token())
    assert verified == {"valid": True, "entries": 301, "head": 301, "first_broken": None}


async def test_concurrent_appends_on_separate_connections_serialise(notify: Notify) -> None:
    """Without the head lock, these would read the same head and fork the chain."""
    db = notify.service.app[DB]

    async def append(n: int) -> None:
        event = _downloaded(uuid.uuid4(), uuid.uuid4())
        async with db.transaction() as conn:
            await auditing.record(conn, Envelope.wrap(event, firm_id=notify.firm_id, actor=None))
            await asyncio.sleep(0.001 * (n % 3))  # hold the lock a little, as a handler does

    await asyncio.gather(*(append(n) for n in range(40)))
    async with db.transaction(readonly=True) as conn:
        found = await auditing.verify(conn, notify.firm_id)
    assert (found.entries, found.head, found.broken) == (40, 40, None)
