"""The signing party's page from the signing mail's `/sign#token=` link: read the PDF, sign by
click (a customer, from their home page, where it waits for them), or confirm an emailed code first
(a party without an account), decline with a reason; at phone size, in Spanish and English."""

import re
from typing import Any

import pytest

from tests.web.conftest import Browser
from tests.web.portal import Portal, firm_with_customer, shared_folder, staff_upload
from tests.web.test_documents import pdf


async def signing_for(portal: Portal, staff: str, document_id: str, parties: list[Any]) -> Any:
    signing = await portal.eventually("POST", "/api/v1/signings", staff, expect=201, json={
        "document_id": document_id, "language": "es", "parties": parties,
    })  # fmt: skip
    await portal.call("POST", f"/api/v1/signings/{signing['id']}/send", staff)
    return signing


@pytest.mark.parametrize("person", [{"locale": "es-ES", "phone": True}], indirect=True)
async def test_a_party_signs_by_click_and_another_after_an_emailed_code(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, language="es")
    await shared_folder(portal, customer, "Contratos")
    document = await staff_upload(portal, customer, "Contrato.pdf", pdf("Contrato"))
    auditor = f"auditor-{customer.client_id[:8]}@revision.example"
    await signing_for(portal, customer.staff_token, document["id"], [
        {"name": "Erik Kund", "email": customer.email, "method": "click",
         "contact_id": customer.contact_id},
        {"name": "Rita Revisor", "email": auditor, "method": "email_otp"},
    ])  # fmt: skip
    page = person.page

    # The customer's home lists the signing as waiting for them.
    await person.open("/sign-in")
    await page.get_by_label("Correo electrónico").fill(customer.email)
    await page.get_by_label("Contraseña", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Iniciar sesión", exact=True).click()
    await page.get_by_text("Firmar: Contrato.pdf").wait_for()
    await person.check("home-attention")

    # By click, opened from the home page (the mail's link opens the same page).
    await page.get_by_role("button", name="Abrir y firmar").click()
    await page.get_by_role("heading", name="Documento para firmar").wait_for()
    assert "#token" not in page.url
    await page.get_by_role("button", name="Leer el documento").click()
    await page.get_by_role("img", name="Página 1 de 1").wait_for()
    await person.check("sign")
    await page.get_by_label("Tu nombre completo").fill("Erik Kund")
    await page.get_by_role("button", name="Firmar", exact=True).click()
    await page.get_by_role("status").filter(has_text="tu firma ha quedado registrada").wait_for()

    # By an emailed code, with no account at all.
    await person.open(await portal.link(auditor, "/sign"))
    await page.get_by_role("button", name="Enviarme un código").click()
    label = page.get_by_label("Código de seis cifras")
    await label.wait_for()
    mail = await code_mail(portal, auditor)
    await label.fill(mail)
    await page.get_by_role("button", name="Confirmar el código").click()
    await page.get_by_label("Tu nombre completo").fill("Rita Revisor")
    await person.check("sign-code")
    await page.get_by_role("button", name="Firmar", exact=True).click()
    await page.get_by_role("status").filter(has_text="tu firma ha quedado registrada").wait_for()


async def code_mail(portal: Portal, address: str) -> str:
    from tests.support.infra import wait_until

    found: dict[str, str] = {}

    def arrived() -> bool:
        for message in portal.mail.messages:
            if address in message.get("X-Envelope-To", ""):
                text = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(r"\b(\d{6})\b", text)
                if match and "/sign#token" not in text:
                    found["code"] = match.group(1)
                    return True
        return False

    await wait_until(arrived, timeout=20, interval=0.1)
    return found["code"]


async def test_a_party_declines_with_a_reason_and_the_link_then_says_so(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal)
    await shared_folder(portal, customer)
    document = await staff_upload(portal, customer, "Offer.pdf", pdf("Offer"))
    signing = await signing_for(portal, customer.staff_token, document["id"], [
        {"name": "Erik Kund", "email": customer.email, "method": "click"},
    ])  # fmt: skip
    page = person.page
    link = await portal.link(customer.email, "/sign")
    await person.open(link)
    await page.get_by_role("button", name="Decline…").click()
    await page.get_by_label("Why do you decline?").fill("The price is wrong.")
    await page.get_by_role("button", name="Decline", exact=True).click()
    await page.get_by_text("You declined. The sender is told.").wait_for()
    view = await portal.call("GET", f"/api/v1/signings/{signing['id']}", customer.staff_token)
    assert view["state"] == "declined"
    await person.open(link)
    await page.get_by_role("alert").wait_for()
    await person.check("sign-closed")
    assert await page.get_by_role("button", name="Sign", exact=True).count() == 0
