"""The public verify page: anyone picks a PDF; a sealed one the platform made says intact, with
who signed how, and a copy with one byte changed says changed (in Swedish, at phone size)."""

import pytest

from tests.signing.unit.test_evidence import one_byte_changed
from tests.web.conftest import Browser
from tests.web.portal import Portal, firm_with_customer, shared_folder, staff_upload
from tests.web.test_documents import pdf


async def sealed_pdf(portal: Portal) -> bytes:
    customer = await firm_with_customer(portal)
    await shared_folder(portal, customer)
    document = await staff_upload(portal, customer, "Avtal.pdf", pdf("Avtal"))
    signing = await portal.eventually("POST", "/api/v1/signings", customer.staff_token,
                                      expect=201, json={
        "document_id": document["id"], "language": "sv",
        "parties": [{"name": "Erik Kund", "email": customer.email, "method": "click"}],
    })  # fmt: skip
    await portal.call("POST", f"/api/v1/signings/{signing['id']}/send", customer.staff_token)
    token = (await portal.link(customer.email, "/sign")).split("#token=")[1]
    await portal.call("POST", f"/api/v1/sign/{token}/sign", json={"typed_name": "Erik Kund"})
    copy = (await portal.link(customer.email, "/signed-copy")).split("#token=")[1]
    return await portal.call("GET", f"/api/v1/sign/{copy}/copy")


@pytest.mark.parametrize("person", [{"locale": "sv-SE", "phone": True}], indirect=True)
async def test_verify_says_intact_for_a_sealed_pdf_and_changed_for_an_altered_copy(
    portal: Portal, person: Browser
) -> None:
    sealed = await sealed_pdf(portal)
    page = person.page
    await person.open("/verify")
    await page.get_by_role("heading", name="Kontrollera ett signerat dokument").wait_for()
    picker = page.get_by_label("PDF-fil")

    await picker.set_input_files({"name": "Avtal (signed).pdf", "mimeType": "application/pdf",
                                  "buffer": sealed})  # fmt: skip
    await page.get_by_role("button", name="Kontrollera filen").click()
    await page.get_by_text("Oförändrad: förseglad av plattformen").wait_for()
    await page.get_by_text("Erik Kund · steg 1 · signeringslänk").wait_for()
    await person.check("verify-intact")

    await picker.set_input_files({"name": "copy.pdf", "mimeType": "application/pdf",
                                  "buffer": one_byte_changed(sealed)})  # fmt: skip
    await page.get_by_role("button", name="Kontrollera filen").click()
    await page.get_by_text("Ändrad: filen har ändrats").wait_for()
    assert await page.get_by_text("Erik Kund").count() == 0
