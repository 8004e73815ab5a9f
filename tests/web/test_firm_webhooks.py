"""The firm's webhook endpoints in the browser (issue 16): an owner adds one, is shown its
secret once, turns it off and on, and opens its (empty) delivery log; a member has no such page
in the menu (en)."""

from tests.web.conftest import Browser
from tests.web.firm import colleague, staff_signs_in
from tests.web.portal import Portal, firm_with_customer

URL = "https://93.184.215.14/hook"  # public, so registration passes; nothing answers there


async def test_an_owner_adds_an_endpoint_sees_its_secret_once_and_turns_it_off(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Omikron AB")
    page = person.page
    await staff_signs_in(person, customer.owner)
    await page.get_by_role("link", name="Webhooks").click()
    await page.get_by_text("No webhook endpoints yet.").wait_for()
    await page.get_by_label("HTTPS URL").fill(URL)
    await page.get_by_label("Description", exact=True).fill("ERP")
    await page.get_by_label("documents.document.uploaded").check()
    await page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_role("status").filter(has_text="shown only now")
    await secret.wait_for()
    assert (await secret.locator("code").inner_text()).startswith("whsec_")
    await page.get_by_text("ERP · On · 1 event type").wait_for()
    await person.check("firm-webhooks")

    await page.get_by_role("button", name="Turn off").click()
    await page.get_by_text("ERP · Off · 1 event type").wait_for()
    await page.get_by_role("button", name="Turn on").click()
    await page.get_by_role("button", name="Deliveries").click()
    await page.get_by_text("Nothing delivered yet.").wait_for()
    listed = await portal.call("GET", "/api/v1/webhooks", customer.staff_token)
    assert [(w["url"], w["enabled"]) for w in listed["items"]] == [(URL, True)]

    member = await colleague(portal, customer.staff_token, "member")
    await page.get_by_role("button", name="Sign out").click()
    await staff_signs_in(person, member["email"])
    assert await page.get_by_role("link", name="Webhooks").count() == 0
