"""What a customer does with the documents shared with them, in the browser: folders they may
see, a PDF previewed in the page, download, versions, a finalised document shown as such,
comments, an approval answered, and uploads (file picker and drag and drop, several at once,
a progress bar each, the server's refusal in words)."""

import asyncio
import hashlib
import io
import os
from typing import Any

import pytest
from reportlab.pdfgen import canvas

from tests.web.conftest import Browser
from tests.web.portal import Customer, Portal, firm_with_customer, shared_folder, staff_upload


def pdf(title: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, title)
    page.showPage()
    page.save()
    return out.getvalue()


async def sign_in(person: Browser, customer: Customer) -> None:
    page = person.page
    await person.open("/sign-in")
    await page.get_by_label("Email").fill(customer.email)
    await page.get_by_label("Password", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_role("heading", name="Home", exact=True).wait_for()


async def test_documents_preview_download_versions_comments_and_approval(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal)
    await shared_folder(portal, customer, "Bokslut 2026")
    first = await staff_upload(portal, customer, "Årsredovisning.pdf", pdf("Version 1"))
    await staff_upload(portal, customer, "Årsredovisning.pdf", pdf("Version 2"))
    locked = await staff_upload(portal, customer, "Avtal.pdf", pdf("Avtal"))
    await portal.call("POST", f"/api/v1/documents/{locked['id']}/finalise", customer.staff_token)
    await portal.eventually(
        "POST", f"/api/v1/documents/{first['id']}/approvals", customer.staff_token, expect=201,
        json={"message": "Godkänn årsredovisningen, tack."},
    )  # fmt: skip
    # A folder not shared with the customer stays out of sight.
    hidden = {"name": "Internt", "level": "none"}
    await portal.call("POST", f"/api/v1/clients/{customer.client_id}/folders",
                      customer.staff_token, expect=201, json=hidden)  # fmt: skip

    page = person.page
    await sign_in(person, customer)
    # Home: the approval waiting for an answer, and what is new since the last visit (the first).
    waiting = page.get_by_role("region", name="Needs your attention")
    await waiting.get_by_text("Accept or reject: Årsredovisning.pdf").wait_for()
    await waiting.get_by_text("Godkänn årsredovisningen, tack.").wait_for()
    news = page.get_by_role("region", name="New since your last visit")
    await news.get_by_role("link", name="Avtal.pdf").wait_for()
    await news.get_by_role("link", name="Årsredovisning.pdf").wait_for()
    await page.get_by_role("link", name="Documents").click()
    await page.get_by_role("link", name="Bokslut 2026").wait_for()
    assert await page.get_by_text("Internt").count() == 0
    await person.check("folders")
    await page.get_by_role("link", name="Bokslut 2026").click()
    await page.get_by_role("link", name="Årsredovisning.pdf").wait_for()
    await page.get_by_role("row", name="Avtal.pdf").get_by_text("Finalised").wait_for()
    await person.check("folder")

    await page.get_by_role("link", name="Årsredovisning.pdf").click()
    await page.get_by_role("heading", name="Årsredovisning.pdf").wait_for()
    await page.get_by_text("Version 2", exact=True).wait_for()
    await page.get_by_text("Version 1", exact=True).wait_for()
    await page.get_by_role("button", name="Show preview").click()
    await page.get_by_role("img", name="Page 1 of 1").wait_for()
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Download", exact=True).click()
    assert (await download.value).suggested_filename == "Årsredovisning.pdf"
    async with page.expect_download() as old:
        await page.get_by_role("button", name="Download version 1").click()
    saved = await (await old.value).path()
    assert b"Version 1" in saved.read_bytes() or saved.stat().st_size > 0

    await page.get_by_text("Godkänn årsredovisningen, tack.").wait_for()
    await page.get_by_label("Comment (optional)").fill("Ser bra ut.")
    await page.get_by_role("button", name="Accept").click()
    await page.get_by_text("Accepted: Ser bra ut.").wait_for()

    await page.get_by_label("Write a comment").fill("Tack, allt stämmer.")
    await page.get_by_role("button", name="Send comment").click()
    await page.get_by_text("Tack, allt stämmer.").wait_for()
    await person.check("document")

    answers = await portal.call(
        "GET", f"/api/v1/documents/{first['id']}/approvals", customer.staff_token
    )
    assert answers["approvals"][0]["status"] == "accepted"
    await page.get_by_role("link", name="Home").click()
    await waiting.get_by_text("Nothing is waiting for you.").wait_for()
    await page.go_back()

    await page.get_by_role("link", name="← Back to the folder").click()
    await page.get_by_role("link", name="Avtal.pdf").click()
    await page.get_by_text("This document is finalised: it can no longer be changed.").wait_for()

    # The visit was recorded: a later one starts from it, with only what came since.
    await staff_upload(portal, customer, "Later.pdf", pdf("Later"))
    await page.reload()
    await page.get_by_role("link", name="Home").click()
    await news.get_by_role("link", name="Later.pdf").wait_for()
    assert await news.get_by_role("link", name="Avtal.pdf").count() == 0


async def test_a_folder_of_more_than_a_page_of_documents_is_paged(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal)
    await shared_folder(portal, customer, "Kvitton")
    gate = asyncio.Semaphore(8)

    async def receipt(number: int) -> None:
        async with gate:
            await staff_upload(portal, customer, f"Kvitto {number:03}.txt", b"kvitto")

    await asyncio.gather(*(receipt(n) for n in range(205)))
    page = person.page
    await sign_in(person, customer)
    await person.open(f"/folders/{customer.folder_id}")
    pages = page.get_by_role("navigation", name="Pages of documents")
    await pages.get_by_text("1\u2013200 of 205").wait_for()
    assert await page.locator("tbody tr").count() == 200
    await pages.get_by_role("link", name="Next →").click()
    await pages.get_by_text("201\u2013205 of 205").wait_for()
    assert await page.locator("tbody tr").count() == 5
    assert await pages.get_by_role("link", name="Next →").count() == 0
    await page.go_back()
    await pages.get_by_text("1\u2013200 of 205").wait_for()


@pytest.mark.parametrize("person", [{"locale": "de-DE", "phone": True}], indirect=True)
async def test_uploads_by_picker_and_by_drop_with_progress_and_refusals(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, language="de")
    folder = await shared_folder(portal, customer, "Belege")
    locked = await staff_upload(portal, customer, "Vertrag.pdf", pdf("Vertrag"))
    await portal.call("POST", f"/api/v1/documents/{locked['id']}/finalise", customer.staff_token)

    page = person.page
    await person.open("/sign-in")
    await page.get_by_label("E-Mail").fill(customer.email)
    await page.get_by_label("Passwort", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Anmelden", exact=True).click()
    await page.get_by_role("heading", name="Start", exact=True).wait_for()
    await person.open(f"/folders/{folder}")
    await page.get_by_role("heading", name="Hochladen").wait_for()
    await person.check("upload")

    # Two files at once through the picker.
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Dateien wählen").click()
    await (await chooser.value).set_files([
        {"name": "Beleg 1.pdf", "mimeType": "application/pdf", "buffer": pdf("Beleg 1")},
        {"name": "Beleg 2.pdf", "mimeType": "application/pdf", "buffer": pdf("Beleg 2")},
    ])  # fmt: skip
    await page.get_by_role("progressbar", name="Hochladen von Beleg 1.pdf").wait_for()
    await page.get_by_role("progressbar", name="Hochladen von Beleg 2.pdf").wait_for()
    await page.get_by_role("link", name="Beleg 1.pdf").wait_for()
    await page.get_by_role("link", name="Beleg 2.pdf").wait_for()

    # Dropped: one new file, and one whose name a finalised document holds (refused).
    await page.evaluate(
        """async ([a, b]) => {
            const data = new DataTransfer();
            data.items.add(new File([a], "Quittung.pdf", { type: "application/pdf" }));
            data.items.add(new File([b], "Vertrag.pdf", { type: "application/pdf" }));
            const zone = document.querySelector('[data-testid="dropzone"]');
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true }));
        }""",
        [pdf("Quittung").decode("latin-1"), pdf("Vertrag 2").decode("latin-1")],
    )
    await page.get_by_role("link", name="Quittung.pdf").wait_for()
    await page.get_by_text(
        "Abgelehnt: ein abgeschlossenes Dokument trägt bereits diesen Namen."
    ).wait_for()
    await person.check("upload-done")
    listing = await portal.call("GET", f"/api/v1/folders/{folder}/documents", customer.staff_token)
    assert sorted(d["name"] for d in listing["documents"]) == [
        "Beleg 1.pdf", "Beleg 2.pdf", "Quittung.pdf", "Vertrag.pdf",
    ]  # fmt: skip


async def test_a_large_file_goes_in_parts_and_resumes_after_a_failure_and_a_reload(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal)
    folder = await shared_folder(portal, customer, "Large")
    data = os.urandom(12 * 1024 * 1024)  # two parts of the service's 8 MiB
    big = {"name": "Scan.bin", "mimeType": "application/octet-stream", "buffer": data}
    page = person.page
    await sign_in(person, customer)
    await person.open(f"/folders/{folder}")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/parts/" in r.url else None)

    # The second part fails on the way: the upload says so, and part 1 is kept.
    failed: list[str] = []

    async def fail_once(route: Any) -> None:
        if failed:
            await route.continue_()
        else:
            failed.append(route.request.url)
            await route.abort()

    await page.route("**/parts/2", fail_once)
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Choose files").click()
    await (await chooser.value).set_files([big])
    await page.get_by_text("The upload failed. Try again.").wait_for()

    # After a reload, the same file picked again sends only the missing part.
    await page.reload()
    async with page.expect_file_chooser() as chooser:
        await page.get_by_role("button", name="Choose files").click()
    await (await chooser.value).set_files([big])
    await page.get_by_role("link", name="Scan.bin").wait_for()
    assert [url.rsplit("/", 1)[1] for url in sent] == ["1", "2", "2"]
    listing = await portal.call("GET", f"/api/v1/folders/{folder}/documents", customer.staff_token)
    (document,) = listing["documents"]
    content = await portal.call(
        "GET", f"/api/v1/documents/{document['id']}/content", customer.staff_token
    )
    assert hashlib.sha256(content).digest() == hashlib.sha256(data).digest()
