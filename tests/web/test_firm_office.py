"""The firm's daily work in the browser (issue 14), through the gateway with the real
services and mails: sign-up on a plan and TOTP (sv); clients with contacts, portal access and
the bulk switch (en); folders with their rules, upload, versions, finalising, deleting,
approvals and the access log (sv)."""

import re
import uuid
from datetime import datetime, timedelta

import pytest

from tests.identity.integration.test_totp import code
from tests.web.conftest import Browser
from tests.web.firm import staff_signs_in
from tests.web.portal import PASSWORD, Portal, firm_with_customer
from tests.web.test_documents import pdf


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_a_firm_signs_up_on_a_plan_and_its_owner_signs_in_with_totp(
    portal: Portal, person: Browser
) -> None:
    page = person.page
    owner = f"agare-{uuid.uuid4().hex[:8]}@byra.example"
    await person.open("/sign-up")
    await page.get_by_label("Byråns namn").fill("Siffror & Co")
    await page.get_by_label("Ditt namn").fill("Sara Ägare")
    await page.get_by_label("E-post").fill(owner)
    await page.get_by_role("radio", name=re.compile("^Byrå —")).check()
    await page.get_by_text(re.compile(r"Extra lagring: .+ för 79,00\s*kr i månaden")).wait_for()
    await person.check("firm-sign-up")
    await page.get_by_role("button", name="Registrera").click()
    await page.get_by_role("status").filter(has_text=owner).wait_for()

    await person.open(await portal.link(owner, "/sign-up/confirm"))
    await page.get_by_label("Nytt lösenord").fill(PASSWORD)
    await page.get_by_role("button", name="Spara lösenord").click()
    await page.get_by_role("heading", name="Att hantera", exact=True).wait_for()
    assert page.url.endswith("/firm")
    await person.check("firm-attention")

    # TOTP on from the profile: the page shows the secret, a code from it confirms.
    await page.get_by_role("link", name="Profil", exact=True).click()
    await page.get_by_role("button", name="Börja").click()
    secret = await page.get_by_test_id("totp-secret").inner_text()
    # Steps must rise from one use to the next: one behind now (allowed for drift), then now,
    # then one ahead, so that the test needs no wait for the clock.
    await page.get_by_label("Sexsiffrig kod").first.fill(code(secret, ahead=-1))
    await page.get_by_role("button", name="Slå på", exact=True).click()
    await page.get_by_role("status").filter(has_text="Tvåstegsinloggning är på").wait_for()
    await person.check("firm-profile")

    # Signing in again asks for the code after the password.
    await page.get_by_role("button", name="Logga ut").click()
    await page.get_by_label("E-post").fill(owner)
    await page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Logga in", exact=True).click()
    totp = page.get_by_label("Kod från din autentiseringsapp")
    await totp.fill(code(secret))
    await page.get_by_role("button", name="Logga in", exact=True).click()
    await page.get_by_role("heading", name="Att hantera", exact=True).wait_for()

    # And off again, with a code and the password.
    await page.get_by_role("link", name="Profil", exact=True).click()
    off = page.locator("form", has=page.get_by_role("heading", name="Slå av tvåstegsinloggning"))
    await off.get_by_label("Sexsiffrig kod").fill(code(secret, ahead=1))
    await off.get_by_label("Lösenord").fill(PASSWORD)
    await off.get_by_role("button", name="Slå av").click()
    await page.get_by_role("status").filter(has_text="Tvåstegsinloggning är av").wait_for()


async def test_clients_with_contacts_roles_and_portal_access(
    portal: Portal, person: Browser
) -> None:
    firm = await firm_with_customer(portal, name="Alpha AB")
    page = person.page
    await staff_signs_in(person, firm.owner)
    await page.get_by_role("link", name="Clients", exact=True).click()
    await page.get_by_role("link", name="Alpha AB").wait_for()
    await person.check("firm-clients")

    # A company with two contacts, one of them without an email, in one form.
    await page.get_by_role("link", name="New client").click()
    await page.get_by_label("Name", exact=True).fill("Beta Bygg AB")
    await page.get_by_label("Organisation or personal number").fill("556000-1234")
    first = page.get_by_role("group", name="Contact 1")
    await first.get_by_label("First name").fill("Britt")
    await first.get_by_label("Last name").fill("Bygg")
    await first.get_by_label("Email").fill(f"britt-{firm.client_id[:8]}@beta.example")
    await first.get_by_label("Phone").fill("+46 70 123 45 67")
    await first.get_by_label("Commercial").check()
    await page.get_by_role("button", name="Add another contact").click()
    second = page.get_by_role("group", name="Contact 2")
    await second.get_by_label("First name").fill("Nils")
    await second.get_by_label("Last name").fill("Utanmejl")
    await second.get_by_label("Employee").check()
    await page.get_by_role("button", name="Add another contact").click()
    third = page.get_by_role("group", name="Contact 3")
    await third.get_by_label("First name").fill("Cia")
    await third.get_by_label("Last name").fill("Senare")
    await third.get_by_label("Email").fill(f"cia-{firm.client_id[:8]}@beta.example")
    await person.check("firm-new-client")
    await page.get_by_role("button", name="Create the client").click()
    await page.get_by_role("heading", name="Beta Bygg AB").wait_for()

    # Portal access: refused with the reason for the contact without an email; invited now
    # for the other, whose invitation mail arrives; then sent again, a second mail.
    await page.get_by_role("button", name="Give Nils Utanmejl portal access").click()
    await page.get_by_role("alert").filter(has_text="needs an email address").wait_for()
    await page.get_by_role("button", name="Give Britt Bygg portal access").click()
    await page.get_by_text("Invitation sent").wait_for()
    britt = f"britt-{firm.client_id[:8]}@beta.example"
    await portal.link(britt, "/register")
    await page.get_by_role("button", name="Send Britt Bygg the invitation again").click()
    await portal.link(britt, "/register")
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT09:30")
    await page.get_by_label("Or invite Cia Senare at").fill(tomorrow)
    await page.get_by_role("button", name="Invite Cia Senare later").click()
    await page.get_by_text("Invitation scheduled").wait_for()

    # A person the firm already has is found by the email and linked, not entered twice.
    await page.get_by_role("button", name="Add a contact").click()
    adding = page.get_by_role("group", name="Add a contact")
    await adding.get_by_label("Email").fill(firm.email)
    await adding.get_by_label("Email").blur()
    await adding.get_by_role("button", name="Link Erik Kund instead").click()
    await page.get_by_role("button", name="Save the contact").click()
    contacts = page.get_by_role("region", name="Contacts")
    await contacts.get_by_text("Erik Kund", exact=True).wait_for()
    await person.check("firm-client")

    # Search and the bulk switch: a company with no contact is refused with its reason.
    await portal.call("POST", "/api/v1/clients", firm.staff_token, expect=201,
                              json={"kind": "company", "name": "Gamma Tom AB"})  # fmt: skip
    await page.get_by_role("link", name="Clients", exact=True).click()
    await page.get_by_label("Search clients").fill("Gamma")
    await page.get_by_role("link", name="Alpha AB").wait_for(state="detached")
    await page.get_by_role("link", name="Gamma Tom AB").wait_for()
    await page.get_by_label("Choose Gamma Tom AB").check()
    await page.get_by_role("button", name=re.compile("Give portal access to all contacts")).click()
    await page.get_by_text("The client has no contact yet").wait_for()

    # Archived: out of the list, found under the filter.
    await page.get_by_role("link", name="Gamma Tom AB").click()
    await page.get_by_role("button", name="Archive the client").click()
    await page.get_by_text("Archived").first.wait_for()
    await page.get_by_role("link", name="Back to the clients").click()
    await page.get_by_label("Search clients").fill("Gamma")
    await page.get_by_text("No clients found.").wait_for()
    await page.get_by_label("Archived clients").check()
    await page.get_by_role("link", name="Gamma Tom AB").wait_for()


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_folders_rules_upload_versions_approvals_and_the_access_log(
    portal: Portal, person: Browser, tmp_path
) -> None:
    firm = await firm_with_customer(portal, language="sv", name="Delta AB")
    page = person.page
    await staff_signs_in(person, firm.owner, "sv")
    await page.get_by_role("link", name="Kunder", exact=True).click()
    await page.get_by_role("link", name="Delta AB").click()

    # A folder open for upload to all portal contacts, and a subfolder with its parent's rules.
    await page.get_by_label("Mappens namn").fill("Bokslut")
    await page.get_by_label("Kundens åtkomst").select_option("upload")
    await page.get_by_role("button", name="Skapa mappen").click()
    row = page.get_by_role("row", name=re.compile("^Bokslut"))
    await row.get_by_text("Erik Kund").wait_for()
    await page.get_by_label("Mappens namn").fill("Kvitton")
    await page.get_by_label("Inuti").select_option(label="Bokslut")
    await page.get_by_role("button", name="Skapa mappen").click()
    await page.get_by_role("row", name=re.compile("^Kvitton")).get_by_text("Erik Kund").wait_for()
    await person.check("firm-client-folders")

    # Upload twice under one name: two versions; then the first version deleted.
    await page.get_by_role("link", name="Bokslut", exact=True).click()
    file = tmp_path / "Balans.pdf"
    file.write_bytes(pdf("Balans 1"))
    await page.locator("input[type=file]").set_input_files(file)
    await page.get_by_role("link", name="Balans.pdf").wait_for()
    file.write_bytes(pdf("Balans 2, rättad"))
    await page.locator("input[type=file]").set_input_files(file)
    await page.get_by_text("Uppladdad").nth(1).wait_for()
    await person.check("firm-folder")
    await page.get_by_role("link", name="Balans.pdf").click()
    await page.get_by_text("Version 2").first.wait_for()
    await page.get_by_role("button", name="Ta bort version 1").click()
    await page.get_by_role("button", name="Ta bort version 2").wait_for(state="detached")

    # An approval asked; the customer answers and downloads; the firm sees both.
    await page.get_by_label("Meddelande med begäran").fill("Godkänn balansen, tack.")
    await page.get_by_role("button", name="Be kunden godkänna eller avvisa").click()
    await page.get_by_text("Godkänn balansen, tack.").wait_for()
    document_id = page.url.rsplit("/", 1)[1]
    customer = await portal.call("POST", "/api/v1/auth/sign-in",
                                 json={"email": firm.email, "password": PASSWORD})  # fmt: skip
    token = customer["access_token"]
    approvals = await portal.call("GET", f"/api/v1/documents/{document_id}/approvals", token)
    await portal.call("POST", f"/api/v1/approvals/{approvals['approvals'][0]['id']}/answer",
                      token, json={"answer": "accepted", "comment": "Ser bra ut"})  # fmt: skip
    await portal.call("GET", f"/api/v1/documents/{document_id}/content", token)
    await page.reload()
    await page.get_by_text("Erik Kund: Godkänd — Ser bra ut").wait_for()
    log = page.get_by_role("region", name="Åtkomstlogg")
    await log.get_by_role("row", name=re.compile("Erik Kund Laddade ner · Version 2")).wait_for()
    await person.check("firm-document")

    # Finalised: no delete any more. Another document is deleted, its bytes given back.
    await page.get_by_role("button", name="Slutför").click()
    await page.get_by_role("note").wait_for()
    assert await page.get_by_role("button", name="Ta bort dokumentet").count() == 0
    await page.get_by_role("link", name="Tillbaka till mappen").click()
    other = tmp_path / "Utkast.txt"
    other.write_bytes(b"x" * 2500)
    await page.locator("input[type=file]").set_input_files(other)
    await page.get_by_role("link", name="Utkast.txt").click()
    await page.get_by_role("button", name="Ta bort dokumentet").click()
    await (
        page.get_by_role("status")
        .filter(has_text=re.compile(r"2,5\s*kB lagring frigjord"))
        .wait_for()
    )
