"""Document requests in the browser (issue 20), through the gateway with the real services and
mails: staff ask a client for documents item by item and review what comes in (accept, return
with a reason); the customer finds the request under "needs attention", uploads a file for an
item into a folder they cannot open, and sees what was returned and why."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.infra import wait_until
from tests.web.conftest import Browser
from tests.web.firm import staff_signs_in
from tests.web.portal import PASSWORD, Customer, Portal, firm_with_customer
from tests.web.test_documents import pdf, sign_in


async def closed_folder(portal: Portal, customer: Customer, name: str) -> str:
    """A folder the customer cannot see: a request's item still lets them upload into it."""
    folder = await portal.eventually(
        "POST", f"/api/v1/clients/{customer.client_id}/folders", customer.staff_token,
        expect=201, json={"name": name, "level": "none"},
    )  # fmt: skip
    return str(folder["id"])


async def asked(portal: Portal, customer: Customer, folder_id: str, *items: str) -> Any:
    due = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    return await portal.eventually(
        "POST", f"/api/v1/clients/{customer.client_id}/requests", customer.staff_token,
        expect=201, json={"title": "Bokslut 2026", "message": "Tack på förhand!", "items": [
            {"title": t, "due_date": due, "folder_id": folder_id} for t in items]},
    )  # fmt: skip


async def customer_token(portal: Portal, customer: Customer) -> str:
    body = {"email": customer.email, "password": PASSWORD, "client_id": customer.client_id}
    return str((await portal.call("POST", "/api/v1/auth/sign-in", json=body))["access_token"])


def mailed(portal: Portal, address: str, subject: str) -> bool:
    return any(
        address in m.get("X-Envelope-To", "") and m["Subject"] == subject
        for m in portal.mail.messages
    )  # fmt: skip


async def test_staff_ask_for_documents_and_review_what_comes_in(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Zeta AB")
    await closed_folder(portal, customer, "Underlag 2026")
    page = person.page
    await staff_signs_in(person, customer.owner)
    await person.open(f"/firm/clients/{customer.client_id}")
    requests = page.get_by_role("region", name="Document requests")
    await requests.get_by_text("No document requests yet.").wait_for()
    await requests.get_by_role("button", name="Ask for documents").click()
    await requests.get_by_label("Title", exact=True).fill("Bokslut 2026")
    await (
        requests.get_by_role("group", name="Item 1")
        .get_by_label("What is needed")
        .fill("Kontoutdrag december")
    )
    await requests.get_by_role("button", name="Add an item").click()
    second = requests.get_by_role("group", name="Item 2")
    await second.get_by_label("What is needed").fill("Kvitton")
    await second.get_by_label("Folder for the upload").select_option(label="Underlag 2026")
    await person.check("firm-new-request")
    await requests.get_by_role("button", name="Send the request").click()
    await requests.get_by_role("link", name="Bokslut 2026").wait_for()
    await requests.get_by_text("0 of 2 accepted").wait_for()
    # The customer is asked by mail.
    await wait_until(lambda: mailed(portal, customer.email, "Anna Ägare asks for documents: "
                                                             "Bokslut 2026"))  # fmt: skip

    # The customer sends a file for each item (over the API here; their page has its own test).
    token = await customer_token(portal, customer)
    request = (await portal.call("GET", f"/api/v1/clients/{customer.client_id}/requests",
                                 token))["requests"][0]  # fmt: skip
    for item, name in zip(request["items"], ("december.pdf", "kvitton.pdf"), strict=True):
        await portal.call("POST", f"/api/v1/requests/{request['id']}/items/{item['id']}/files",
                          token, expect=201, params={"name": name}, data=pdf(name))  # fmt: skip

    await requests.get_by_role("link", name="Bokslut 2026").click()
    await page.get_by_role("heading", name="Bokslut 2026").wait_for()
    items = page.get_by_role("region", name="What is asked for")
    first = items.get_by_role("listitem").filter(has_text="Kontoutdrag december")
    await first.get_by_role("link", name="december.pdf").wait_for()
    await person.check("firm-request")
    await first.get_by_role("button", name="Accept").click()
    await first.get_by_text("Accepted").wait_for()
    other = items.get_by_role("listitem").filter(has_text="Kvitton")
    await other.get_by_label("Reason for returning").fill("Kvitto 3 saknas")
    await other.get_by_role("button", name="Return").click()
    await other.get_by_text("Returned: Kvitto 3 saknas").wait_for()
    await wait_until(lambda: mailed(portal, customer.email, "Please complete: Kvitton"))
    await page.get_by_role("button", name="Close the request").click()
    await page.get_by_text("Cancelled", exact=True).first.wait_for()
    assert await page.get_by_role("button", name="Close the request").count() == 0


async def test_a_customer_sends_what_is_asked_for_into_a_folder_they_cannot_open(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Eta AB")
    folder = await closed_folder(portal, customer, "Lön")
    request = await asked(portal, customer, folder, "Lönebesked november", "Kvitton")
    page = person.page
    await sign_in(person, customer)
    waiting = page.get_by_role("region", name="Needs your attention")
    await waiting.get_by_text("Documents requested: Bokslut 2026").wait_for()
    await person.check("home-with-request")
    await waiting.get_by_role("link", name="Send documents").click()
    await page.get_by_role("heading", name="Bokslut 2026").wait_for()
    await page.get_by_text("Tack på förhand!").wait_for()
    await page.get_by_label("Upload a file for Lönebesked november").set_input_files(
        files=[{"name": "nov.pdf", "mimeType": "application/pdf", "buffer": pdf("nov")}]
    )
    item = page.get_by_role("listitem").filter(has_text="Lönebesked november")
    await item.get_by_text("Sent: nov.pdf").wait_for()
    await item.get_by_text("Sent in").wait_for()
    # A file that is not what its name says is refused in words, and nothing is sent.
    await page.get_by_label("Upload a file for Kvitton").set_input_files(
        files=[{"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"MZ" * 300}]
    )
    await page.get_by_role("alert").wait_for()
    await person.check("customer-request")
    # Returned by the firm: the reason is on the page, and the item takes a new file.
    item_id = request["items"][0]["id"]
    await portal.call("POST", f"/api/v1/requests/{request['id']}/items/{item_id}/return",
                      customer.staff_token, json={"reason": "Fel månad"})  # fmt: skip
    await page.reload()
    await item.get_by_text("Returned: Fel månad").wait_for()
    # The folder itself stays closed to the customer.
    await person.open("/folders")
    await page.get_by_role("heading", name="Documents").wait_for()
    assert await page.get_by_text("Lön", exact=True).count() == 0
