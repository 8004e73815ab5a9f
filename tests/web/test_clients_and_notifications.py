"""A person linked to two clients chooses which one to act for and switches from the header,
and what they see changes with it (sv); the notification feed (read/unread) and the personal
preferences per category (en)."""

import re

import pytest

from tests.web.conftest import Browser
from tests.web.portal import Portal, firm_with_customer, shared_folder, staff_upload
from tests.web.test_documents import pdf, sign_in


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_a_person_of_two_clients_chooses_and_switches(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, language="sv", name="Kund AB")
    await shared_folder(portal, customer, "Kund AB:s pärm")
    second = await portal.call("POST", "/api/v1/clients", customer.staff_token, expect=201,
                               json={"kind": "company", "name": "Filial AB"})  # fmt: skip
    await portal.call(
        "PUT", f"/api/v1/clients/{second['id']}/contacts/{customer.contact_id}",
        customer.staff_token, json={"roles": ["employee"]},
    )  # fmt: skip
    await portal.eventually(
        "POST", f"/api/v1/clients/{second['id']}/folders", customer.staff_token, expect=201,
        json={"name": "Filialens pärm", "level": "read", "audience": "all"},
    )  # fmt: skip

    page = person.page
    await person.open("/sign-in")
    await page.get_by_label("E-post").fill(customer.email)
    await page.get_by_label("Lösenord", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Logga in", exact=True).click()
    await page.get_by_role("heading", name="Välj kund").wait_for()
    await person.check("choose-client")
    await page.get_by_role("button", name=re.compile("^Filial AB")).click()
    await page.get_by_role("heading", name="Start", exact=True).wait_for()

    await page.get_by_role("link", name="Dokument").click()
    await page.get_by_role("link", name="Filialens pärm").wait_for()
    assert await page.get_by_text("Kund AB:s pärm").count() == 0

    switcher = page.get_by_label("Agerar för")
    first = await switcher.locator("option", has_text="Kund AB").get_attribute("value")
    await switcher.select_option(first)
    await page.get_by_role("heading", name="Start", exact=True).wait_for()
    await page.get_by_role("link", name="Dokument").click()
    await page.get_by_role("link", name="Kund AB:s pärm").wait_for()
    assert await page.get_by_text("Filialens pärm").count() == 0
    await person.check("switched")


async def test_the_feed_and_the_preferences(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal)
    await shared_folder(portal, customer, "Reports")
    await staff_upload(portal, customer, "Q3 report.pdf", pdf("Q3"))
    page = person.page
    await sign_in(person, customer)

    await page.get_by_role("link", name="Notifications").click()
    await page.get_by_role("heading", name="Notifications").wait_for()
    for _ in range(40):  # notify learns of the upload from the bus
        if await page.get_by_text("1 unread").count():
            break
        await page.reload()
        await page.wait_for_timeout(250)
    await page.get_by_text("1 unread").wait_for()
    await person.check("feed")
    await page.get_by_role("button", name="Mark as read").click()
    await page.get_by_text("0 unread").wait_for()
    await page.get_by_role("link", name=re.compile("Q3 report")).click()
    await page.get_by_role("heading", name="Q3 report.pdf").wait_for()

    await page.get_by_role("link", name="Settings").click()
    group = page.get_by_role("group", name="New documents")
    await group.get_by_label("Off").check()
    await page.get_by_role("status").filter(has_text="Saved.").wait_for()
    await person.check("preferences")
    await page.reload()
    assert await page.get_by_role("group", name="New documents").get_by_label("Off").is_checked()
    prefs = await portal.call(
        "GET", "/api/v1/me/notification-preferences", await customer_token(portal, customer)
    )
    assert prefs["categories"]["documents"] == "off"


async def customer_token(portal: Portal, customer) -> str:
    signed_in = await portal.call("POST", "/api/v1/auth/sign-in", json={
        "email": customer.email, "password": customer.password,
    })  # fmt: skip
    return signed_in["access_token"]
