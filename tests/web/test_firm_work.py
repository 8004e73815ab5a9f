"""The firm's signing, needs-attention, roles, billing, portal settings and notifications in
the browser (issue 14), through the gateway with the real services and mails: signing sent
from a folder, followed, sealed and cancelled (en, phone size); needs attention and a firm
without credits, for a member and an owner (sv); each role's controls (en); billing, portal
settings with a secret link, and the staff's feed (en)."""

import re
from typing import Any

import pytest

from deploy.local.demo import OWNER_EMAIL, OWNER_PASSWORD, load_demo
from tests.support.infra import wait_until
from tests.web.conftest import Browser
from tests.web.firm import colleague, staff_signs_in
from tests.web.portal import (
    PASSWORD,
    Customer,
    Portal,
    firm_with_customer,
    shared_folder,
    staff_upload,
)
from tests.web.test_documents import pdf


async def signing_sent(portal: Portal, customer: Customer, document_id: str) -> dict[str, Any]:
    """A request to the customer alone, by click, sent over the API; and its mailed token."""
    signing = await portal.eventually("POST", "/api/v1/signings", customer.staff_token,
                                      expect=201, json={"document_id": document_id, "parties": [
        {"name": "Erik Kund", "email": customer.email, "method": "click"}]})  # fmt: skip
    await portal.call("POST", f"/api/v1/signings/{signing['id']}/send", customer.staff_token)
    token = (await portal.link(customer.email, "/sign")).rsplit("#token=", 1)[1]
    return {"id": signing["id"], "token": token}


@pytest.mark.parametrize("person", [{"phone": True}], indirect=True)
async def test_a_pdf_is_sent_for_signing_followed_sealed_and_another_cancelled(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Epsilon AB")
    await shared_folder(portal, customer, "Avtal")
    contract = await staff_upload(portal, customer, "Avtal.pdf", pdf("Avtal"))
    notes = await staff_upload(portal, customer, "Notes.txt", b"not a pdf")
    page = person.page
    await staff_signs_in(person, customer.owner)

    # A non-PDF offers no signing, and its signing page says why.
    await person.open(f"/firm/documents/{notes['id']}")
    await page.get_by_role("heading", name="Notes.txt").wait_for()
    assert await page.get_by_role("link", name="Send for signing").count() == 0
    await person.open(f"/firm/documents/{notes['id']}/signing")
    await page.get_by_role("alert").filter(has_text="Only a PDF").wait_for()

    # From the PDF: the customer from the client's contacts, by click; sent.
    await person.open(f"/firm/documents/{contract['id']}")
    await page.get_by_role("link", name="Send for signing").click()
    await page.get_by_text("Credits left: 2").wait_for()
    party = page.get_by_role("group", name="Party 1")
    await party.get_by_label("From the client's contacts").select_option(label="Erik Kund")
    await party.get_by_label("How they sign").select_option("click")
    await page.get_by_label("Message to the parties").fill("Please sign the contract.")
    await page.get_by_label("Remind every").fill("3")
    await person.check("firm-signing-new")
    await page.get_by_role("button", name="Send for signing").click()
    await page.get_by_role("heading", name="Signing: Avtal.pdf").wait_for()
    await page.get_by_role("cell", name="Invited").wait_for()
    await person.check("firm-signing")

    # The customer signs from the mail; the firm follows it to the sealed PDF.
    token = (await portal.link(customer.email, "/sign")).rsplit("#token=", 1)[1]
    await portal.call("POST", f"/api/v1/sign/{token}/sign", json={"typed_name": "Erik Kund"})
    signing_id = page.url.rsplit("/", 1)[1]

    async def completed() -> bool:
        view = await portal.call("GET", f"/api/v1/signings/{signing_id}", customer.staff_token)
        return view["state"] == "completed"

    await wait_until(completed, timeout=30, interval=0.5)
    await page.reload()
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Open the sealed PDF").click()
    sealed = await (await download.value).path()
    assert sealed.read_bytes().startswith(b"%PDF")
    await page.get_by_role("link", name="The sealed copy in the folder").wait_for()

    # A second request, to two parties in order, cancelled before anyone signed: its credit
    # comes back, and the page says so.
    await person.open(f"/firm/documents/{contract['id']}/signing")
    await page.get_by_text("Credits left: 1").wait_for()
    first = page.get_by_role("group", name="Party 1")
    await first.get_by_label("From the client's contacts").select_option(label="Erik Kund")
    await page.get_by_role("button", name="Add a party").click()
    second = page.get_by_role("group", name="Party 2")
    await second.get_by_label("Name").fill("Rita Revisor")
    await second.get_by_label("Email").fill(f"rita-{signing_id[:8]}@revision.example")
    await second.get_by_label("Order").fill("2")
    await page.get_by_role("button", name="Send for signing").click()
    await page.get_by_role("cell", name="Waiting for earlier parties").wait_for()
    await portal.link(customer.email, "/sign")  # the invitation
    await page.get_by_role("button", name="Send a reminder now").click()
    await page.get_by_role("status").filter(has_text="Reminder sent").wait_for()
    await portal.link(customer.email, "/sign")  # the reminder, with a fresh link
    await page.get_by_role("button", name="Cancel the request").click()
    await page.get_by_role("status").filter(has_text="Credits back: 1").wait_for()
    await page.get_by_text("Cancelled").first.wait_for()


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_needs_attention_and_a_firm_without_credits(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal, language="sv", name="Zeta AB")
    await shared_folder(portal, customer, "Avtal")
    document = await staff_upload(portal, customer, "Hyresavtal.pdf", pdf("Hyra"))
    declined = await signing_sent(portal, customer, document["id"])
    await portal.call("POST", f"/api/v1/sign/{declined['token']}/decline",
                      json={"reason": "Fel belopp"})  # fmt: skip
    await signing_sent(portal, customer, document["id"])  # the last free credit
    await portal.eventually("POST", f"/api/v1/documents/{document['id']}/approvals",
                            customer.staff_token, expect=201,
                            json={"message": "Godkänn hyran, tack."})  # fmt: skip
    member = await colleague(portal, customer.staff_token, "member")
    await portal.call("PUT", f"/api/v1/staff/{member['id']}/clients/{customer.client_id}",
                      customer.staff_token, expect=204)  # fmt: skip
    page = person.page

    await staff_signs_in(person, customer.owner, "sv")
    item = page.get_by_role("listitem").filter(has_text="Hyresavtal.pdf")
    await item.filter(has_text="Avböjd").wait_for()
    unanswered = "Godkännanden som kunderna inte har svarat på"
    await page.get_by_role("region", name=unanswered).get_by_text("Godkänn hyran, tack.").wait_for()
    await person.check("firm-attention-waiting")
    await person.open(f"/firm/clients/{customer.client_id}")
    await page.get_by_role("region", name=unanswered).get_by_text("Godkänn hyran, tack.").wait_for()
    await person.open(f"/firm/documents/{document['id']}/signing")
    await page.get_by_text("Byrån har inga e-signaturer kvar.").wait_for()
    await page.get_by_role("link", name="Köp fler e-signaturer").wait_for()

    # A member is told whom to ask, and is offered no purchase.
    await page.get_by_role("button", name="Logga ut").click()
    await staff_signs_in(person, member["email"], "sv")
    await person.open(f"/firm/documents/{document['id']}/signing")
    await page.get_by_text("Be en ägare eller administratör att köpa fler: Anna Ägare.").wait_for()
    assert await page.get_by_role("link", name="Köp fler e-signaturer").count() == 0
    await person.check("firm-signing-no-credits")


async def test_each_role_sees_only_the_controls_the_api_allows(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Eta AB")
    await portal.call("POST", "/api/v1/clients", customer.staff_token, expect=201,
                      json={"kind": "individual", "name": "Theta Privat"})  # fmt: skip
    page = person.page

    # The owner invites a member and an admin from the staff page; the mails arrive.
    await staff_signs_in(person, customer.owner)
    await page.get_by_role("link", name="Staff", exact=True).click()
    tag = customer.client_id[:8]
    for role in ("member", "admin"):
        invite = page.locator("form", has=page.get_by_role("heading", name="Invite a colleague"))
        await invite.get_by_label("Name").fill(f"Kim {role.title()}")
        await invite.get_by_label("Email").fill(f"kim-{role}-{tag}@firm.example")
        await invite.get_by_label("Role").select_option(role)
        await invite.get_by_role("button", name="Send the invitation").click()
        await page.get_by_text(f"kim-{role}-{tag}@firm.example").wait_for()
    await person.check("firm-staff")
    people = {}
    for role in ("member", "admin"):
        email = f"kim-{role}-{tag}@firm.example"
        token = (await portal.link(email, "/register")).rsplit("#token=", 1)[1]
        await portal.call("POST", "/api/v1/auth/register",
                          json={"token": token, "password": PASSWORD})  # fmt: skip
        people[role] = email

    # The member is let see one client, and the page says whom they see.
    await page.get_by_text("No client assigned yet: sees none.").wait_for()
    await page.get_by_label("A client for Kim Member").select_option(label="Eta AB")
    await page.get_by_role("button", name="Let them see it").click()
    await page.get_by_role("status").filter(has_text="Kim Member now sees Eta AB.").wait_for()
    await page.get_by_text("Sees: Eta AB").wait_for()
    await page.get_by_role("button", name="Sign out").click()

    # Member: only the assigned client, no billing, no portal settings, no invitations.
    await staff_signs_in(person, people["member"])
    nav = page.get_by_role("navigation")
    assert await nav.get_by_role("link", name="Billing").count() == 0
    assert await nav.get_by_role("link", name="Portal settings").count() == 0
    await nav.get_by_role("link", name="Clients").click()
    await page.get_by_role("link", name="Eta AB").wait_for()
    assert await page.get_by_role("link", name="Theta Privat").count() == 0
    await nav.get_by_role("link", name="Staff").click()
    await page.get_by_text("Kim Admin").wait_for()
    assert await page.get_by_role("heading", name="Invite a colleague").count() == 0
    assert await page.get_by_role("main").get_by_role("combobox").count() == 0
    await person.open("/firm/billing")
    await page.get_by_role("alert").wait_for()
    assert await page.get_by_role("button", name="Buy a 10 GB block").count() == 0
    await page.get_by_role("button", name="Sign out").click()

    # Admin: billing and portal settings, and the invitation form.
    await staff_signs_in(person, people["admin"])
    await nav.get_by_role("link", name="Billing").wait_for()
    await nav.get_by_role("link", name="Portal settings").wait_for()
    await nav.get_by_role("link", name="Clients").click()
    await page.get_by_role("link", name="Theta Privat").wait_for()
    await nav.get_by_role("link", name="Staff").click()
    await page.get_by_role("heading", name="Invite a colleague").wait_for()


async def test_billing_portal_settings_a_secret_link_and_the_staff_feed(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Iota AB")
    page = person.page
    await staff_signs_in(person, customer.owner)

    # Billing: storage against the limit, a block bought and cancelled, credits bought, the
    # ledger, and this month's statement with VAT, downloaded.
    await page.get_by_role("link", name="Billing").click()
    await page.get_by_role("meter").wait_for()
    await page.get_by_text("The line marks 80 %").wait_for()
    await page.get_by_role("button", name="Buy a 10 GB block").click()
    await page.get_by_text(re.compile(r"^Extra storage blocks: 1 ")).wait_for()
    await page.get_by_role("button", name="Cancel a block").click()
    await page.get_by_text(re.compile(r"^Extra storage blocks: 0 ")).wait_for()
    await page.get_by_role("button", name=re.compile(r"^Buy 10 credits for")).click()
    await page.get_by_role("heading", name="E-signature credits: 12").wait_for()
    await page.get_by_role("cell", name="Credits bought").wait_for()
    # The purchase is on this month's statement, VAT shown apart.
    await page.get_by_role("row", name=re.compile(r"^VAT 25 % SEK [1-9]")).wait_for()
    await person.check("firm-billing")
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Download the statement (CSV)").click()
    csv = (await (await download.value).path()).read_text()
    assert '"390.00"' in csv
    assert '"VAT 25 %"' in csv
    assert '"total"' in csv

    # Portal settings: secret links on, and portal access by default for new clients.
    await page.get_by_role("link", name="Portal settings").click()
    await page.get_by_label("Personal secret link").check()
    await page.get_by_label("New clients' contacts get portal access").check()
    await page.get_by_role("button", name="Save the settings").click()
    await page.get_by_role("status").filter(has_text="Saved.").wait_for()
    await person.check("firm-portal-settings")
    newcomer = f"ny-{customer.client_id[:8]}@kund.example"
    await portal.call("POST", "/api/v1/clients", customer.staff_token, expect=201, json={
        "kind": "individual", "name": "Kappa Ny", "contacts": [
            {"first_name": "Kappa", "last_name": "Ny", "email": newcomer, "primary": True}],
    })  # fmt: skip
    await portal.link(newcomer, "/register")

    # The staff's feed: the customer's registration, whose link opens the client's page.
    await page.get_by_role("link", name="Notifications").click()
    await page.get_by_role("link", name=re.compile("Erik Kund")).click()
    await page.get_by_role("heading", name="Iota AB").wait_for()

    # A secret link made for the contact signs them in.
    await page.get_by_role("button", name="Make a new secret link for Erik Kund").click()
    link = await page.get_by_test_id("secret-link").inner_text()
    await page.get_by_role("button", name="Sign out").click()
    await person.open(link)
    await page.get_by_role("heading", name="Home", exact=True).wait_for()


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_the_demo_data_opens_on_a_working_office(portal: Portal, person: Browser) -> None:
    await load_demo(portal.url, portal.mail)
    page = person.page
    await staff_signs_in(person, OWNER_EMAIL, "sv", OWNER_PASSWORD)
    await page.get_by_role("link", name="Kunder", exact=True).click()
    await page.get_by_role("link", name="Lisa Larsson").wait_for()
    await page.get_by_role("link", name="Kund AB").click()
    await page.get_by_role("link", name="Lönespecifikationer").wait_for()
    signings = page.get_by_role("region", name="Signeringar")
    await signings.get_by_role("link", name="Årsredovisning 2026.pdf").wait_for()
    await signings.get_by_text("Skickad").wait_for()
    await person.check("firm-demo-client")
