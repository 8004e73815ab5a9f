"""What a browser does with what users give: a name with bidirectional controls (which would
show "invoice<RLO>fdp.exe" as "invoiceexe.pdf") is refused wherever a name is given, and a
download a browser may render can run no script in our origin, streamed or redirected. Real
PostgreSQL, RabbitMQ, S3 and billing."""

from typing import Any

from tests.documents.integration.conftest import Portal
from tests.documents.integration.test_uploads import pdf, setup

SANDBOXED = "sandbox; default-src 'none'; frame-ancestors 'none'"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"]  # fmt: skip
HTML = b"<!doctype html><svg onload=alert(document.domain)></svg><script>alert(1)</script>"


async def refused(portal: Portal, method: str, url: str, headers: Any, **kw: Any) -> None:
    async with portal.http.request(method, url, headers=headers, **kw) as response:
        body = await response.json()
        assert response.status == 422, body
    assert response.content_type == "application/problem+json"
    assert body["field"] == "name"
    assert "bidirectional control character U+" in body["detail"]


async def test_every_bidirectional_control_is_refused_in_an_upload_name(portal: Portal) -> None:
    firm, _, owner, folder = await setup(portal)
    url = f"/api/v1/folders/{folder['id']}/documents"
    for char in BIDI:
        name = f"invoice{char}fdp.exe"
        await refused(portal, "POST", url, owner.headers, params={"name": name}, data=pdf(500))
    assert await portal.sql("SELECT 1 FROM documents") == []
    assert await portal.sql("SELECT 1 FROM uploads") == []
    assert await portal.usage(firm) == (0, 0)


async def test_renames_folders_and_resumable_uploads_refuse_them_too(portal: Portal) -> None:
    _, client, owner, folder = await setup(portal)
    doc = await portal.upload(owner, folder["id"], "invoice.pdf", pdf(500))
    spoofed = "invoice\u202efdp.exe"
    attempts = [
        ("PATCH", f"/api/v1/documents/{doc['id']}", {"name": spoofed}),
        ("POST", f"/api/v1/clients/{client}/folders", {"name": "Avtal\u2067 2025"}),
        ("PATCH", f"/api/v1/folders/{folder['id']}", {"name": "\u200fKvitton"}),
        ("POST", f"/api/v1/folders/{folder['id']}/uploads", {"name": spoofed, "size": 10}),
    ]
    for method, url, body in attempts:
        await refused(portal, method, url, owner.headers, json=body)
    names = await portal.sql("SELECT name FROM documents UNION ALL SELECT name FROM folders")
    assert sorted(r["name"] for r in names) == sorted(["invoice.pdf", folder["name"]])
    assert await portal.sql("SELECT 1 FROM uploads WHERE kind = 'multipart'") == []


async def test_a_name_in_right_to_left_script_is_kept(portal: Portal) -> None:
    _, _, owner, folder = await setup(portal)
    doc = await portal.upload(owner, folder["id"], "חשבונית 2025.pdf", pdf(500))
    assert doc["name"] == "חשבונית 2025.pdf"


async def test_a_streamed_download_a_browser_may_render_is_sandboxed(portal: Portal) -> None:
    _, client, owner, folder = await setup(portal)
    reader = await portal.contact(owner.firm_id, client)
    doc = await portal.upload(owner, folder["id"], "page.html", HTML)
    async with portal.http.get(
        f"/api/v1/documents/{doc['id']}/content", headers=reader.headers
    ) as response:
        assert response.status == 200
        assert await response.read() == HTML
        headers = response.headers
    assert headers["Content-Type"] == "text/plain"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers.getall("Content-Security-Policy") == [SANDBOXED]


async def test_a_download_redirect_carries_the_protection_too(portal: Portal) -> None:
    _, client, owner, folder = await setup(portal)
    reader = await portal.contact(owner.firm_id, client)
    doc = await portal.upload(owner, folder["id"], "page.html", HTML)
    async with portal.http.get(
        f"/api/v1/documents/{doc['id']}/content", params={"redirect": "true"},
        headers=reader.headers, allow_redirects=False,
    ) as response:  # fmt: skip
        assert response.status == 302
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == SANDBOXED
    # What S3 answers the link with is out of our hands: the link makes it an attachment.
    assert "response-content-disposition=attachment" in headers["Location"]
