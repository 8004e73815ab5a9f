"""What documents tells the rest of the platform, read off the real bus: each change of a folder
or a document is one event with what its consumers need (the audience, so notify keeps no copy
of the rules) and never the file's bytes."""

import json
from typing import Any

from tests.documents.integration.conftest import Portal
from tests.documents.integration.test_uploads import setup
from tests.support.capture import Capture
from tests.support.infra import wait_until

SECRET = b"%PDF-1.7\n" + b"confidential-payload " * 500


def of_type(recorder: Capture, event_type: str, about: dict[str, str]) -> list[dict[str, Any]]:
    return [
        m for m in recorder.messages
        if m["type"] == event_type and about.items() <= m["data"].items()
    ]  # fmt: skip


async def one(recorder: Capture, event_type: str, **about: str) -> dict[str, Any]:
    """The one event of this type whose data has these values, once the relay published it."""
    await wait_until(lambda: of_type(recorder, event_type, about))
    (envelope,) = of_type(recorder, event_type, about)
    assert b"confidential-payload" not in json.dumps(envelope).encode()
    return envelope


async def test_folder_and_document_lifecycle_events(portal: Portal) -> None:
    recorder = portal.captured
    firm, client, owner, _ = await setup(portal)
    reader = await portal.contact(firm, client)
    outsider = await portal.contact(firm, client)
    folder = await portal.folder(owner, client, level="read", audience=[str(reader.user_id)])
    created = await one(recorder, "documents.folder.created", folder_id=folder["id"])
    assert created["firm_id"] == str(firm)
    assert created["data"]["rules"]["audience"] == [str(reader.user_id)]

    doc = await portal.upload(owner, folder["id"], "contract.pdf", SECRET)
    uploaded = (await one(recorder, "documents.document.uploaded"))["data"]
    assert (uploaded["document_id"], uploaded["folder_id"]) == (doc["id"], folder["id"])
    assert uploaded["size"] == len(SECRET)
    assert uploaded["audience"] == [str(reader.user_id)]
    assert str(outsider.user_id) not in uploaded["audience"]

    await portal.upload(owner, folder["id"], "contract.pdf", SECRET + b"v2")
    added = (await one(recorder, "documents.document.version_added"))["data"]
    assert (added["number"], added["size"]) == (2, len(SECRET) + 2)

    async with portal.http.get(f"/api/v1/documents/{doc['id']}/content",
                               headers=reader.headers) as response:  # fmt: skip
        assert response.status == 200
        await response.read()
    downloaded = await one(recorder, "documents.document.downloaded")
    assert (downloaded["actor"], downloaded["data"]["user_kind"]) == (
        str(reader.user_id), "contact",
    )  # fmt: skip

    async with portal.http.post(f"/api/v1/documents/{doc['id']}/finalise",
                                headers=owner.headers) as response:  # fmt: skip
        assert response.status == 200
    assert (await one(recorder, "documents.document.finalised"))["data"]["document_id"] == (
        doc["id"]
    )


async def test_deletes_and_rule_changes_are_announced(portal: Portal) -> None:
    recorder = portal.captured
    _, client, owner, folder = await setup(portal)
    doc = await portal.upload(owner, folder["id"], "draft.pdf", SECRET)
    async with portal.http.delete(f"/api/v1/documents/{doc['id']}",
                                  headers=owner.headers) as response:  # fmt: skip
        assert response.status == 204
    deleted = (await one(recorder, "documents.document.deleted"))["data"]
    assert (deleted["document_id"], deleted["version_id"]) == (doc["id"], None)
    assert deleted["bytes_freed"] == len(SECRET)

    async with portal.http.put(
        f"/api/v1/folders/{folder['id']}/access", json={"level": "none"}, headers=owner.headers
    ) as response:
        assert response.status == 200
    updated = (await one(recorder, "documents.folder.updated"))["data"]
    assert updated["rules"]["level"] == "none"

    async with portal.http.delete(f"/api/v1/folders/{folder['id']}",
                                  headers=owner.headers) as response:  # fmt: skip
        assert response.status == 204
    gone = (await one(recorder, "documents.folder.deleted"))["data"]
    assert gone == {"folder_id": folder["id"], "client_id": str(client)}
