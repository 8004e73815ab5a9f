"""A customer opens the invitation mail's link, registers and lands signed in; signs in by
password and by a one-time mailed link; a wrong password and a used link say so in words."""

import re

import pytest

from tests.web.conftest import Browser
from tests.web.portal import PASSWORD, Portal, firm_with_customer


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_the_invitation_link_registers_and_lands_signed_in(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, language="sv", register=False)
    page = person.page
    await person.open(await portal.link(customer.email, "/register"))
    await page.get_by_role("heading", name="Välkommen — välj ditt lösenord").wait_for()
    assert "#token" not in page.url  # the secret leaves the address bar at once
    assert await page.get_by_label("E-post").input_value() == customer.email
    await page.get_by_text("har bjudit in dig till sin kundportal.").wait_for()
    await person.check("register")

    password = page.get_by_label("Nytt lösenord")
    await password.fill("kort lösen")
    await page.get_by_role("button", name="Spara lösenord").click()
    await page.get_by_text("För kort: använd minst 15 tecken.").wait_for()
    await password.fill("passwordpassword")
    await page.get_by_role("button", name="Spara lösenord").click()
    await page.get_by_text("Lösenordet är för vanligt. Välj ett annat.").wait_for()

    await password.fill(PASSWORD)
    await page.get_by_role("button", name="Spara lösenord").click()
    await page.get_by_role("heading", name="Start", exact=True).wait_for()
    await page.get_by_role("heading", name="Väntar på dig").wait_for()
    await person.check("home")


async def test_password_and_one_time_link_sign_in(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal, language="en")
    page = person.page
    await person.open("/documents/00000000-0000-4000-8000-000000000000")
    # Not signed in: taken to sign in first.
    await page.get_by_role("heading", name="Sign in").wait_for()
    await person.check("sign-in")
    await page.get_by_label("Email").fill(customer.email)
    await page.get_by_label("Password", exact=True).fill("not-the-password-at-all")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_role("alert").filter(has_text="Wrong email or password.").wait_for()

    await page.get_by_label("Password", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    # …and then on to the page the link named (here one this person may not see).
    await page.wait_for_url(re.compile(r"/documents/00000000"))
    await page.get_by_text("Nothing was found here, or you may not see it.").wait_for()
    # The refresh token never reaches the page: an HttpOnly cookie for the auth routes only.
    assert "portal_refresh" not in await page.evaluate("document.cookie")
    stored = await page.evaluate("JSON.stringify({...sessionStorage, ...localStorage})")
    assert "token" not in stored
    (cookie,) = [c for c in await person.context.cookies() if c["name"] == "portal_refresh"]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/api/v1/auth/browser"
    # A reload keeps the session (the cookie buys a new access token).
    await page.reload()
    await page.get_by_role("button", name="Sign out").wait_for()
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in").wait_for()

    await page.get_by_role("button", name="Email me a link").click()
    await page.get_by_label("Email").fill(customer.email)
    await page.get_by_role("button", name="Send link").click()
    await page.get_by_role("status").filter(has_text="sign-in link is on its way").wait_for()
    link = await portal.link(customer.email, "/sign-in/link")
    await person.open(link)
    await page.get_by_role("heading", name="Home", exact=True).wait_for()

    # The same link a second time: used, and it says so.
    await person.page.context.clear_cookies()
    await page.evaluate("sessionStorage.clear()")
    await person.open(link)
    await page.get_by_text("This link has expired or was already used.").wait_for()
    await person.check("link-used")


@pytest.mark.parametrize("person", [{"locale": "fr-FR"}], indirect=True)
async def test_the_language_follows_the_browser_and_is_switchable(
    portal: Portal, person: Browser
) -> None:
    page = person.page
    await person.open("/sign-in")  # French is not offered: English
    await page.get_by_role("heading", name="Sign in").wait_for()
    await page.get_by_label("Language").select_option("es")
    await page.get_by_role("heading", name="Iniciar sesión").wait_for()
    assert await page.evaluate("document.documentElement.lang") == "es"
    await page.reload()  # the choice is kept
    await page.get_by_role("heading", name="Iniciar sesión").wait_for()


@pytest.mark.parametrize("person", [{"locale": "sv-SE", "phone": True}], indirect=True)
async def test_eid_sign_in_asks_a_person_without_email_for_one_first(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, language="sv")
    methods = {"sign_in_methods": ["password", "magic_link", "eid"]}
    staff = customer.staff_token
    await portal.call("PUT", "/api/v1/firms/current/portal-settings", staff, json=methods)
    person_without_email = {"first_name": "Eva", "last_name": "Id",
                            "personal_number": "19811218-9876", "language": "sv"}  # fmt: skip
    created = await portal.call("POST", "/api/v1/clients", staff, expect=201, json={
        "kind": "individual", "name": "Eva Id", "contacts": [person_without_email],
    })  # fmt: skip
    await portal.call("PUT", f"/api/v1/contacts/{created['contacts'][0]['id']}/portal-access",
                      staff, json={"enabled": True})  # fmt: skip

    page = person.page
    await person.open("/sign-in")
    await page.get_by_role("button", name="E-legitimation (BankID)").click()
    await page.get_by_label("Personnummer").fill("19811218-9876")
    await page.get_by_role("button", name="Logga in med e-legitimation").click()
    await page.get_by_role("status").filter(has_text="bekräfta inloggningen").wait_for()
    opener = page.get_by_role("link", name="Öppna BankID på den här enheten")
    assert (await opener.get_attribute("href") or "").startswith("bankid:///?autostarttoken=")
    await page.get_by_role("img", name="QR-kod att skanna med BankID").wait_for()
    await person.check("eid-qr")
    await page.get_by_text("Vi har ingen e-postadress till dig än.").wait_for(timeout=20_000)
    await person.check("eid-email")
    await page.get_by_label("E-post").fill(f"eva-{customer.client_id[:8]}@example.com")
    await page.get_by_role("button", name="Fortsätt").click()
    await page.get_by_role("heading", name="Start", exact=True).wait_for()


async def test_a_locked_out_sign_in_says_so(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal)
    wrong = {"email": customer.email, "password": "certainly-not-the-password"}
    for _ in range(5):
        await portal.call("POST", "/api/v1/auth/sign-in", expect=401, json=wrong)
    page = person.page
    await person.open("/sign-in")
    await page.get_by_label("Email").fill(customer.email)
    await page.get_by_label("Password", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_role("alert").filter(has_text="Too many attempts.").wait_for()
    await person.check("sign-in-locked")
