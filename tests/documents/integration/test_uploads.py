"""Uploads stream to S3 with a billing reservation; versions by name; finalise; download
streamed or presigned; access log; delete frees the bytes. Real PostgreSQL, RabbitMQ, S3 and
a real billing service."""

import hashlib
import os
from urllib.parse import urlsplit

import aiohttp

from tests.documents.integration.conftest import PUBLIC_S3_HOST, Portal
from tests.support.infra import wait_until


def pdf(size: int) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(size - 9)


async def setup(portal: Portal, plan: str = "partner"):  # type: ignore[no-untyped-def]
    firm = await portal.open_firm(plan)
    client = await portal.client(firm)
    owner = portal.staff(firm, "owner")
    folder = await portal.folder(owner, client, level="upload", audience="all")
    return firm, client, owner, folder


async def test_upload_streams_hashes_and_commits_storage(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    data = pdf(20_000_000)  # several S3 parts
    doc = await portal.upload(owner, folder["id"], "big.pdf", data)
    assert doc["size"] == len(data)
    assert doc["content_type"] == "application/pdf"
    versions = (
        await (
            await portal.http.get(f"/api/v1/documents/{doc['id']}/versions", headers=owner.headers)
        ).json()
    )["versions"]
    assert versions[0]["sha256"] == hashlib.sha256(data).hexdigest()
    await wait_until(lambda: _usage_is(portal, firm, (len(data), 0)))
    async with portal.http.get(
        f"/api/v1/documents/{doc['id']}/content", headers=owner.headers
    ) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert hashlib.sha256(await response.read()).digest() == hashlib.sha256(data).digest()


async def _usage_is(portal: Portal, firm, expected) -> bool:  # type: ignore[no-untyped-def]
    return await portal.usage(firm) == expected


async def _no_pending_frees(portal: Portal) -> bool:
    return await portal.sql("SELECT 1 FROM pending_frees") == []


async def test_a_pdf_that_is_not_a_pdf_is_refused_and_nothing_is_kept(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    body = await portal.upload(owner, folder["id"], "fake.pdf", b"MZ\x90\x00" * 500, expect=415)
    assert "application/pdf" not in body["detail"]
    await wait_until(lambda: _usage_is(portal, firm, (0, 0)))
    assert portal.objects() == []


async def test_an_empty_file_is_refused_and_nothing_is_kept(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    body = await portal.upload(owner, folder["id"], "empty.txt", b"", expect=422)
    assert body["field"] == "body"
    assert body["detail"] == "The file is empty: there is nothing to store."
    assert await portal.sql("SELECT 1 FROM uploads") == []
    assert portal.objects() == []
    assert await portal.usage(firm) == (0, 0)


async def test_too_large_and_over_quota_are_refused_with_numbers(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    body = await portal.upload(owner, folder["id"], "huge.bin", b"\0" * 30_000_001, expect=413)
    assert body["limit"] == 30_000_000
    await portal.upload(owner, folder["id"], "a.bin", b"\1" * 29_000_000)
    body = await portal.upload(owner, folder["id"], "b.bin", b"\1" * 29_000_000, expect=402)
    assert body["used"] == 29_000_000
    assert body["limit"] == 50_000_000
    assert "50000000" in body["detail"]
    await wait_until(lambda: _usage_is(portal, firm, (29_000_000, 0)))
    assert len(portal.objects()) == 1


async def test_same_name_adds_a_version_and_finalised_refuses_every_change(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    first = await portal.upload(owner, folder["id"], "offer.pdf", pdf(1000))
    second = await portal.upload(owner, folder["id"], "offer.pdf", pdf(2000))
    assert second["id"] == first["id"]
    assert second["version_count"] == 2
    doc = f"/api/v1/documents/{first['id']}"
    async with portal.http.post(f"{doc}/finalise", headers=owner.headers) as response:
        assert response.status == 200
        assert (await response.json())["finalised"]
    version_id = second["current_version_id"]
    attempts = [
        ("POST", f"{doc}/finalise", {}),
        ("PATCH", doc, {"json": {"name": "other.pdf"}}),
        ("DELETE", doc, {}),
        ("DELETE", f"{doc}/versions/{version_id}", {}),
        ("POST", f"/api/v1/folders/{folder['id']}/documents",
         {"params": {"name": "offer.pdf"}, "data": pdf(500)}),
        ("POST", f"/api/v1/folders/{folder['id']}/uploads",
         {"json": {"name": "offer.pdf", "size": 10}}),
    ]  # fmt: skip
    for method, url, kw in attempts:
        async with portal.http.request(method, url, headers=owner.headers, **kw) as response:
            assert response.status == 409, (method, url, await response.text())
    await wait_until(lambda: _usage_is(portal, firm, (3000, 0)))


async def test_download_redirects_to_a_short_lived_url_and_is_logged(portal: Portal) -> None:
    _, client, owner, folder = await setup(portal)
    reader = await portal.contact(owner.firm_id, client)
    data = pdf(5000)
    doc = await portal.upload(owner, folder["id"], "r.pdf", data)
    url = f"/api/v1/documents/{doc['id']}/content"
    async with portal.http.get(
        url, params={"redirect": "true"}, headers=reader.headers, allow_redirects=False
    ) as response:
        assert response.status == 302
        location = response.headers["Location"]
    assert "X-Amz-Expires=300" in location
    assert urlsplit(location).hostname == PUBLIC_S3_HOST
    async with aiohttp.ClientSession() as plain, plain.get(location) as s3:
        assert s3.status == 200
        assert await s3.read() == data
    async with portal.http.get(f"/api/v1/documents/{doc['id']}/access-log",
                               headers=owner.headers) as response:  # fmt: skip
        entries = (await response.json())["entries"]
    assert [(e["user_id"], e["method"]) for e in entries] == [(str(reader.user_id), "redirect")]
    assert entries[0]["version_id"] == doc["current_version_id"]


async def test_delete_removes_objects_and_frees_billing(portal: Portal) -> None:
    firm, client, owner, folder = await setup(portal)
    doc = await portal.upload(owner, folder["id"], "d.pdf", pdf(4000))
    await portal.upload(owner, folder["id"], "d.pdf", pdf(6000))
    await wait_until(lambda: _usage_is(portal, firm, (10_000, 0)))
    versions = f"/api/v1/documents/{doc['id']}/versions"
    async with portal.http.delete(f"{versions}/{doc['current_version_id']}",
                                  headers=owner.headers) as response:  # fmt: skip
        assert response.status == 204
    await wait_until(lambda: _usage_is(portal, firm, (6000, 0)))
    assert len(portal.objects()) == 1
    uploader = await portal.contact(firm, client)
    own = await portal.upload(uploader, folder["id"], "mine.pdf", pdf(1000))
    for who, target, expected in [(uploader, doc, 403), (uploader, own, 204), (owner, doc, 204)]:
        async with portal.http.delete(f"/api/v1/documents/{target['id']}",
                                      headers=who.headers) as response:  # fmt: skip
            assert response.status == expected
    # The reaper may pay a debt before the request does; its row goes when its transaction ends.
    await wait_until(lambda: _no_pending_frees(portal))
    assert await portal.usage(firm) == (0, 0)
    assert portal.objects() == []


async def test_listing_pages_sorts_and_searches(portal: Portal) -> None:
    _, client, owner, folder = await setup(portal)
    for i, name in enumerate(["b.txt", "a.txt", "report-2.txt", "report-1.txt"]):
        await portal.upload(owner, folder["id"], name, b"x" * (10 + i))
    url = f"/api/v1/folders/{folder['id']}/documents"

    async def names(**params: str) -> tuple[list[str], int]:
        async with portal.http.get(url, params=params, headers=owner.headers) as response:
            page = await response.json()
        return [d["name"] for d in page["documents"]], page["total"]

    assert await names(limit="2") == (["a.txt", "b.txt"], 4)
    assert await names(limit="2", offset="2") == (["report-1.txt", "report-2.txt"], 4)
    assert await names(offset="10") == ([], 4)
    assert await names(q="report", offset="10") == ([], 2)
    assert (await names(sort="size", order="desc"))[0][0] == "report-1.txt"
    assert await names(q="report") == (["report-1.txt", "report-2.txt"], 2)
    assert await names(q="%") == ([], 0)
    async with portal.http.get(f"/api/v1/clients/{client}/folders",
                               headers=owner.headers) as response:  # fmt: skip
        listed = (await response.json())["folders"][0]
    assert (listed["document_count"], listed["total_size"]) == (4, 10 + 11 + 12 + 13)


async def test_folder_counts_follow_new_versions_and_deletes(portal: Portal) -> None:
    _, client, owner, folder = await setup(portal)
    await portal.upload(owner, folder["id"], "kept.txt", b"x" * 10)
    dropped = await portal.upload(owner, folder["id"], "dropped.txt", b"y" * 20)
    await portal.upload(owner, folder["id"], "kept.txt", b"z" * 15)

    async def totals() -> tuple[int, int]:
        async with portal.http.get(f"/api/v1/folders/{folder['id']}",
                                   headers=owner.headers) as response:  # fmt: skip
            shown = await response.json()
        async with portal.http.get(f"/api/v1/clients/{client}/folders",
                                   headers=owner.headers) as response:  # fmt: skip
            (listed,) = (await response.json())["folders"]
        assert (listed["document_count"], listed["total_size"]) == (
            shown["document_count"], shown["total_size"],
        )  # fmt: skip
        return shown["document_count"], shown["total_size"]

    assert await totals() == (2, 15 + 20)
    async with portal.http.delete(f"/api/v1/documents/{dropped['id']}",
                                  headers=owner.headers) as response:  # fmt: skip
        assert response.status == 204
    assert await totals() == (1, 15)
