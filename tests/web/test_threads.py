"""Messages between a customer and the firm in the browser (issue 20), through the gateway
with the real services and mails: the customer starts a conversation, finds the firm's reply
under "needs attention", reads it (the unread count clears) and answers with a file; the firm
chooses the client's attachment folder, starts a conversation with a chosen contact and sees
an edited message's earlier text."""

from typing import Any

from tests.support.infra import wait_until
from tests.web.conftest import Browser
from tests.web.firm import staff_signs_in
from tests.web.portal import Customer, Portal, firm_with_customer
from tests.web.test_documents import pdf, sign_in
from tests.web.test_requests import closed_folder, customer_token, mailed


async def reply(portal: Portal, token: str, thread_id: str, text: str) -> Any:
    return await portal.call("POST", f"/api/v1/threads/{thread_id}/messages", token,
                             expect=201, json={"body": text})  # fmt: skip


async def attachments_go_to(portal: Portal, customer: Customer, name: str) -> None:
    folder = await closed_folder(portal, customer, name)
    await portal.call("PUT", f"/api/v1/clients/{customer.client_id}/threads/folder",
                      customer.staff_token, json={"folder_id": folder})  # fmt: skip


async def test_a_customer_asks_reads_the_answer_and_replies_with_a_file(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Theta AB")
    await attachments_go_to(portal, customer, "Meddelanden")
    page = person.page
    await sign_in(person, customer)
    await page.get_by_role("link", name="Messages").click()
    await page.get_by_role("heading", name="Messages", exact=True).wait_for()
    await page.get_by_text("No messages yet.").wait_for()
    await page.get_by_label("Subject").fill("Fråga om moms")
    await page.get_by_label("Message", exact=True).fill("Hur redovisar vi momsen för december?")
    await page.get_by_role("button", name="Send", exact=True).click()
    await page.get_by_role("link", name="Fråga om moms").wait_for()
    await person.check("customer-threads")

    # The firm answers (over the API here; the firm's page has its own test).
    threads = await portal.call("GET", f"/api/v1/clients/{customer.client_id}/threads",
                                customer.staff_token)  # fmt: skip
    thread_id = threads["threads"][0]["id"]
    await reply(portal, customer.staff_token, thread_id, "Vi bokar in ett möte.")
    await wait_until(lambda: mailed(portal, customer.email, "New message: Fråga om moms"))
    await person.open("/")
    waiting = page.get_by_role("region", name="Needs your attention")
    await waiting.get_by_text("1 unread message").wait_for()
    await waiting.get_by_role("link", name="Fråga om moms").click()
    await page.get_by_text("Vi bokar in ett möte.").wait_for()
    token = await customer_token(portal, customer)

    async def read() -> bool:
        listed = await portal.call("GET", f"/api/v1/clients/{customer.client_id}/threads", token)
        return bool(listed["threads"][0]["unread"] == 0)

    await wait_until(read)
    await page.get_by_label("Your reply").fill("Tack, här är underlaget.")
    await page.get_by_label("Attach files").set_input_files(
        files=[{"name": "moms.pdf", "mimeType": "application/pdf", "buffer": pdf("moms")}]
    )
    await page.get_by_role("button", name="Send", exact=True).click()
    mine = page.get_by_role("listitem").filter(has_text="Tack, här är underlaget.")
    await mine.get_by_role("link", name="moms.pdf").wait_for()
    await person.check("customer-thread")
    # Their own fresh message can be edited; the firm's cannot.
    await mine.get_by_role("button", name="Edit").click()
    await page.get_by_label("Change the message").fill("Tack, här är underlaget för december.")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_text("Tack, här är underlaget för december.").wait_for()
    theirs = page.get_by_role("listitem").filter(has_text="Vi bokar in ett möte.")
    assert await theirs.get_by_role("button", name="Edit").count() == 0


async def test_the_firm_starts_a_conversation_and_sees_earlier_texts(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, name="Iota AB")
    await closed_folder(portal, customer, "Bilagor")
    page = person.page
    await staff_signs_in(person, customer.owner)
    await person.open(f"/firm/clients/{customer.client_id}")
    messages = page.get_by_role("region", name="Messages")
    await messages.get_by_label("Folder for message attachments").select_option(label="Bilagor")
    await messages.get_by_label("Subject").fill("Årsbokslut")
    await messages.get_by_label("Erik Kund").check()
    await messages.get_by_label("Message", exact=True).fill("Kan vi ses nästa vecka?")
    await person.check("firm-new-thread")
    await messages.get_by_role("button", name="Send", exact=True).click()
    await page.get_by_role("heading", name="Årsbokslut").wait_for()
    thread_id = page.url.rsplit("/", 1)[1]
    chosen = await portal.call("GET", f"/api/v1/clients/{customer.client_id}/threads/folder",
                               customer.staff_token)  # fmt: skip
    assert chosen["folder_id"] is not None

    token = await customer_token(portal, customer)
    answered = await reply(portal, token, thread_id, "Tisdag passar")
    message_id = answered["messages"][-1]["id"]
    await portal.call("PATCH", f"/api/v1/threads/{thread_id}/messages/{message_id}", token,
                      json={"body": "Onsdag passar bättre"})  # fmt: skip
    await page.reload()
    theirs = page.get_by_role("listitem").filter(has_text="Onsdag passar bättre")
    await theirs.get_by_text("Before: Tisdag passar").wait_for()
    await theirs.get_by_text("Edited").wait_for()
    await person.check("firm-thread")
    # The customer has read the firm's message by now? Not yet: it shows no receipt.
    first = page.get_by_role("listitem").filter(has_text="Kan vi ses nästa vecka?")
    assert await first.get_by_text("Read by 1").count() == 0
    await portal.call("POST", f"/api/v1/threads/{thread_id}/read", token, expect=204)
    await page.reload()
    await first.get_by_text("Read by 1").wait_for()
    assert await first.get_by_role("button", name="Delete").count() == 0
