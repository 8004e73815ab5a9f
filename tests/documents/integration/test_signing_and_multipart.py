"""Signing's two RPCs over the real bus, resumable uploads, and the reaper."""

import asyncio
import hashlib
import io
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from shared.bus import RpcError
from shared.events.documents import OpenForSigning, StoreSignedDocument
from shared.http.routing import DEPS
from tests.documents.integration.conftest import Portal, open_portal
from tests.documents.integration.test_uploads import _usage_is, pdf, setup
from tests.support.infra import wait_until
from tests.support.services import Environment, serve
from tests.support.tokens import JwksServer


async def test_signing_reads_a_visible_document_and_stores_the_sealed_copy(portal: Portal) -> None:
    firm, _client, owner, folder = await setup(portal)
    original = await portal.upload(owner, folder["id"], "avtal.pdf", pdf(3000))
    member = portal.staff(firm, "member")
    ask = OpenForSigning(idempotency_key=str(uuid.uuid4()), document_id=original["id"],
                         staff_id=member.user_id, staff_role="member")  # fmt: skip
    with pytest.raises(RpcError) as refused:
        await portal.rpc.call(ask, firm_id=firm, actor=member.user_id, timeout=20)
    assert refused.value.status == 404
    ask = ask.model_copy(update={"idempotency_key": str(uuid.uuid4()), "staff_role": "owner"})
    source = await portal.rpc.call(ask, firm_id=firm, actor=owner.user_id, timeout=20)
    assert source.size == 3000
    assert not source.finalised
    # Signing fetches it inside the platform: the link is at the services' S3 address.
    assert urlsplit(source.download_url).netloc == portal.settings.s3_endpoint
    sealed = pdf(4500)
    client_s3 = portal.documents.app[DEPS].store.client
    client_s3.put_object(portal.settings.bucket, "signing/sealed", io.BytesIO(sealed), len(sealed))
    url = client_s3.presigned_get_object(portal.settings.bucket, "signing/sealed")
    store = StoreSignedDocument(
        idempotency_key=str(uuid.uuid4()), original_document_id=original["id"],
        name="avtal.pdf", size=len(sealed), sha256=hashlib.sha256(sealed).hexdigest(),
        source_url=url, signing_id=uuid.uuid4(),
    )  # fmt: skip
    stored = await portal.rpc.call(store, firm_id=firm, actor=owner.user_id, timeout=30)
    again = await portal.rpc.call(store, firm_id=firm, actor=owner.user_id, timeout=30)
    assert stored == again
    assert str(stored.folder_id) == folder["id"]
    assert str(stored.document_id) != original["id"]
    rows = await portal.sql("SELECT name, size FROM documents WHERE id = $1", stored.document_id)
    assert (rows[0]["name"], rows[0]["size"]) == ("avtal (2).pdf", 4500)
    await wait_until(lambda: _usage_is(portal, firm, (7500, 0)))


async def test_a_slow_source_holds_no_database_connection_while_the_sealed_pdf_is_copied(
    env: Environment, jwks: JwksServer
) -> None:
    """The copy runs outside the RPC server's batch transaction: past a short wait the call is
    answered "in progress", the batch's pooled connection and key locks are let go while the
    source still holds back its bytes, and the retry with the same key finds the copy done."""
    async with open_portal(env, jwks, signed_copy_wait_seconds=0.3) as portal:
        firm, _client, owner, folder = await setup(portal)
        original = await portal.upload(owner, folder["id"], "avtal.pdf", pdf(3000))
        sealed, release = pdf(4500), asyncio.Event()
        async with slow_source(sealed, release) as url:
            store = StoreSignedDocument(
                idempotency_key=str(uuid.uuid4()), original_document_id=original["id"],
                name="avtal.pdf", size=len(sealed), sha256=hashlib.sha256(sealed).hexdigest(),
                source_url=url, signing_id=uuid.uuid4(),
            )  # fmt: skip
            with pytest.raises(RpcError) as busy:
                await portal.rpc.call(store, firm_id=firm, actor=owner.user_id, timeout=30)
            assert busy.value.status == 503
            assert await _in_transaction(portal) == []
            ask = OpenForSigning(idempotency_key=str(uuid.uuid4()), document_id=original["id"],
                                 staff_id=owner.user_id, staff_role="owner")  # fmt: skip
            source = await portal.rpc.call(ask, firm_id=firm, actor=owner.user_id, timeout=20)
            assert source.size == 3000
            assert await _in_transaction(portal) == []
            release.set()
            await wait_until(lambda: _copy_state_is(portal, store.idempotency_key, "done"))
        stored = await portal.rpc.call(store, firm_id=firm, actor=owner.user_id, timeout=30)
        rows = await portal.sql(
            "SELECT name, size FROM documents WHERE id = $1", stored.document_id
        )
        assert (rows[0]["name"], rows[0]["size"]) == ("avtal (2).pdf", 4500)
        await wait_until(lambda: _usage_is(portal, firm, (7500, 0)))


@asynccontextmanager
async def slow_source(data: bytes, release: asyncio.Event) -> AsyncIterator[str]:
    """An HTTP source that sends a first few bytes, then nothing until `release` is set."""

    async def sealed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(data))})
        await response.prepare(request)
        await response.write(data[:100])
        await release.wait()
        await response.write(data[100:])
        return response

    app = web.Application()
    app.router.add_get("/sealed.pdf", sealed)
    try:
        async with serve(app) as running:
            yield f"{running.url}/sealed.pdf"
    finally:
        release.set()


async def _in_transaction(portal: Portal) -> list[str]:
    """Documents' database sessions other than this one that sit inside a transaction."""
    rows = await portal.sql(
        """SELECT state FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND state LIKE 'idle in transaction%'"""
    )
    return [r["state"] for r in rows]


async def _copy_state_is(portal: Portal, key: str, state: str) -> bool:
    rows = await portal.sql("SELECT state FROM uploads WHERE request_key = $1", key)
    return bool(rows) and rows[0]["state"] == state


async def test_resumable_upload_reserves_at_start_and_joins_parts(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    part = portal.settings.part_size_bytes
    data = pdf(2 * part + 1234)
    start = {"name": "scan.pdf", "size": len(data)}
    url = f"/api/v1/folders/{folder['id']}/uploads"
    async with portal.http.post(url, headers=owner.headers, json=start) as response:
        started = await response.json()
        assert response.status == 201, started
    assert await portal.usage(firm) == (0, len(data))
    base = f"/api/v1/uploads/{started['id']}"
    for number in (3, 1):  # any order, then resume after an "interruption"
        chunk = data[(number - 1) * part : number * part]
        async with portal.http.put(f"{base}/parts/{number}", data=chunk,
                                   headers=owner.headers) as response:  # fmt: skip
            assert response.status == 200, await response.text()
    async with portal.http.post(f"{base}/complete", headers=owner.headers) as response:
        assert response.status == 409
    async with portal.http.get(base, headers=owner.headers) as response:
        assert (await response.json())["parts"] == [1, 3]
    async with portal.http.put(f"{base}/parts/2", data=data[part : 2 * part],
                               headers=owner.headers) as response:  # fmt: skip
        assert response.status == 200
    async with portal.http.post(f"{base}/complete", headers=owner.headers) as response:
        doc = await response.json()
        assert response.status == 201, doc
    assert doc["size"] == len(data)
    assert doc["content_type"] == "application/pdf"
    await wait_until(lambda: _usage_is(portal, firm, (len(data), 0)))
    async with portal.http.put(f"{base}/parts/2", data=data[part : 2 * part],
                               headers=owner.headers) as response:  # fmt: skip
        assert response.status == 409
        assert (await response.json())["detail"] == "This upload is already complete."


async def test_an_aborted_resumable_upload_keeps_nothing_and_takes_no_more_parts(
    portal: Portal,
) -> None:
    firm, _, owner, folder = await setup(portal)
    part = portal.settings.part_size_bytes
    data = pdf(part + 500)
    url = f"/api/v1/folders/{folder['id']}/uploads"
    start = {"name": "cancelled.pdf", "size": len(data)}
    async with portal.http.post(url, headers=owner.headers, json=start) as response:
        base = f"/api/v1/uploads/{(await response.json())['id']}"
    async with portal.http.put(f"{base}/parts/1", data=data[:part],
                               headers=owner.headers) as response:  # fmt: skip
        assert response.status == 200
    async with portal.http.delete(base, headers=owner.headers) as response:
        assert response.status == 204
    await wait_until(lambda: _usage_is(portal, firm, (0, 0)))
    assert portal.objects() == []
    for method, path in (("DELETE", base), ("PUT", f"{base}/parts/2")):
        async with portal.http.request(method, path, data=data[part:],
                                       headers=owner.headers) as response:  # fmt: skip
            assert response.status == 409
            body = await response.json()
        assert body["detail"] == "This upload was aborted or lapsed; start a new one."


async def test_a_resumable_upload_that_outlives_its_reservation_still_completes(
    portal: Portal,
) -> None:
    firm, _, owner, folder = await setup(portal)
    data = pdf(portal.settings.part_size_bytes + 10)
    url = f"/api/v1/folders/{folder['id']}/uploads"
    start = {"name": "slow.pdf", "size": len(data)}
    async with portal.http.post(url, headers=owner.headers, json=start) as response:
        started = await response.json()
    base = f"/api/v1/uploads/{started['id']}"
    part = portal.settings.part_size_bytes
    for number, chunk in ((1, data[:part]), (2, data[part:])):
        async with portal.http.put(f"{base}/parts/{number}", data=chunk,
                                   headers=owner.headers) as response:  # fmt: skip
            assert response.status == 200
    # The customer came back after the reservation's lifetime: billing no longer holds it.
    (upload,) = await portal.sql("SELECT reservation_key FROM uploads")
    await portal.row(
        "UPDATE storage_reservations SET expires_at = now() - interval '1 minute' WHERE key = $1",
        upload["reservation_key"], app=portal.billing.app,
    )  # fmt: skip
    async with portal.http.post(f"{base}/complete", headers=owner.headers) as response:
        assert response.status == 201, await response.text()
    # Counted once as used; the lapsed hold goes back when billing's expiry job runs.
    await wait_until(lambda: _usage_is(portal, firm, (len(data), 0)), timeout=20)


async def test_abandoned_resumable_upload_is_aborted_and_released(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    async with portal.http.post(f"/api/v1/folders/{folder['id']}/uploads", headers=owner.headers,
                                json={"name": "x.bin", "size": 7_000_000}) as response:  # fmt: skip
        started = await response.json()
    part_url = f"/api/v1/uploads/{started['id']}/parts/1"
    async with portal.http.put(
        part_url, data=os.urandom(7_000_000), headers=owner.headers
    ) as response:
        assert response.status == 200
    assert await portal.usage(firm) == (0, 7_000_000)
    await portal.sql(
        "UPDATE uploads SET heartbeat_at = now() - interval '2 days' WHERE id = $1",
        uuid.UUID(started["id"]),
    )
    # The reaper releases the hold before its own transaction marks the upload failed, so wait
    # for the mark: by then the release has been answered.
    await wait_until(lambda: _upload_state_is(portal, started["id"], "failed"))
    assert await portal.usage(firm) == (0, 0)
    assert portal.objects() == []
    client_s3 = portal.documents.app[DEPS].store.client
    key = (await portal.sql("SELECT object_key FROM uploads"))[0]["object_key"]
    assert list(client_s3._list_multipart_uploads(portal.settings.bucket, prefix=key).uploads) == []


async def _upload_state_is(portal: Portal, upload_id: str, state: str) -> bool:
    rows = await portal.sql("SELECT state FROM uploads WHERE id = $1", uuid.UUID(upload_id))
    return rows[0]["state"] == state
