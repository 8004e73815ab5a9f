"""Links the platform mails or hands out, followed in the browser, and keyboard-only use:
password reset from its mailed link, the firm's personal secret link (when the firm chose that
method), and a customer who signs in and reaches a document with the keyboard alone."""

import pytest

from tests.web.conftest import Browser
from tests.web.portal import Portal, firm_with_customer, shared_folder, staff_upload
from tests.web.test_documents import pdf

NEW_PASSWORD = "ett-helt-nytt-och-langt-losen"


@pytest.mark.parametrize("person", [{"locale": "sv-SE", "phone": True}], indirect=True)
async def test_password_reset_from_the_mailed_link(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal, language="sv")
    page = person.page
    await person.open("/sign-in")
    await page.get_by_role("button", name="Glömt lösenordet").click()
    await page.get_by_label("E-post").fill(customer.email)
    await page.get_by_role("button", name="Skicka återställningslänk").click()
    await page.get_by_role("status").wait_for()
    await person.open(await portal.link(customer.email, "/reset-password"))
    await page.get_by_role("heading", name="Välj ett nytt lösenord").wait_for()
    await person.check("reset-password")
    await page.get_by_label("Nytt lösenord", exact=True).fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Spara lösenord").click()
    await page.get_by_text("Ditt lösenord är sparat.").wait_for()
    await portal.call("POST", "/api/v1/auth/sign-in",
                      json={"email": customer.email, "password": NEW_PASSWORD})  # fmt: skip


async def test_the_personal_secret_link_opens_the_portal(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal, register=False)
    methods = {"sign_in_methods": ["password", "magic_link", "secret_link"]}
    await portal.call(
        "PUT", "/api/v1/firms/current/portal-settings", customer.staff_token, json=methods
    )
    made = await portal.call(
        "POST",
        f"/api/v1/contacts/{customer.contact_id}/secret-link",
        customer.staff_token,
        expect=201,
    )
    link = next(v for v in made.values() if isinstance(v, str) and "/s#token=" in v)
    await person.open(link)
    await person.page.get_by_role("heading", name="Home", exact=True).wait_for()
    await person.check("secret-link-home")


async def test_keyboard_alone_signs_in_and_reaches_a_document(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal)
    folder = await shared_folder(portal, customer, "Keyboard")
    await staff_upload(portal, customer, "Typed.pdf", pdf("Typed"))
    page = person.page
    keyboard = page.keyboard

    async def tab_to(name: str) -> None:
        for _ in range(30):
            await keyboard.press("Tab")
            focused = await page.evaluate(
                "[document.activeElement.getAttribute('aria-label'),"
                " document.activeElement.labels?.[0]?.textContent,"
                " document.activeElement.textContent?.trim(), document.activeElement.tagName]"
            )
            link = focused[3] == "A" and (focused[2] or "").startswith(name)
            if name in focused[:3] or link:
                return
        raise AssertionError(f"Tab never reached {name}")

    await person.open("/sign-in")
    await tab_to("Email")
    await keyboard.type(customer.email)
    await tab_to("Password")
    await keyboard.type(customer.password or "")
    await keyboard.press("Enter")
    await page.get_by_role("heading", name="Home", exact=True).wait_for()
    await tab_to("Documents")
    await keyboard.press("Enter")
    await page.get_by_role("link", name="Keyboard").wait_for()
    await tab_to("Keyboard")
    await keyboard.press("Enter")
    await page.wait_for_url(f"**/folders/{folder}")
    await tab_to("Typed.pdf")
    await keyboard.press("Enter")
    await page.get_by_role("heading", name="Typed.pdf").wait_for()
    await tab_to("Write a comment")
    await keyboard.type("Written with the keyboard.")
    await tab_to("Send comment")
    await keyboard.press("Enter")
    await page.locator(".comments").get_by_text("Written with the keyboard.").wait_for()
