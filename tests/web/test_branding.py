"""A firm's branding in the browser, through the gateway with the real services: the owner's
branding page (colours with a live contrast message and the API's refusal naming the ratio,
the logo, the portal address), the branded sign-in page at /p/<slug> offering only the firm's
sign-in methods, an old address leading to the new one, and the signed-in customer's header."""

import re

import pytest

from tests.support.images import png
from tests.web.conftest import Browser
from tests.web.firm import staff_signs_in
from tests.web.portal import Portal, firm_with_customer

BRAND = "#0b5394"


async def root_property(person: Browser, name: str) -> str:
    script = f"getComputedStyle(document.documentElement).getPropertyValue('{name}').trim()"
    return str(await person.page.evaluate(script))


async def test_the_owner_brands_the_firm_on_its_branding_page(
    portal: Portal, person: Browser, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    customer = await firm_with_customer(portal)
    page = person.page
    await staff_signs_in(person, customer.owner)
    await page.get_by_role("link", name="Branding").click()
    await page.get_by_role("heading", name="Branding and portal address").wait_for()
    await person.check("firm-branding")

    primary = page.get_by_label("Primary colour", exact=True)
    await primary.fill("#ffcc00")
    await page.get_by_text("White text on this colour: 1.51:1 — too light").wait_for()
    # Sent anyway, the API refuses it and the page says which colour and by how much.
    await page.get_by_role("button", name="Save name and colours").click()
    await page.get_by_role("alert").filter(has_text="1.51:1").wait_for()
    await primary.fill(BRAND)
    await page.get_by_text(
        re.compile(r"White text on this colour: \d+\.\d\d:1 — readable")
    ).wait_for()
    await page.get_by_label("Name shown to customers").fill("Byrån på Torget")
    await page.get_by_role("button", name="Save name and colours").click()
    await page.get_by_role("status").filter(has_text="Saved.").wait_for()

    slug = f"torget-{customer.firm_id[:8]}"
    await page.get_by_label("Portal address (the part after /p/)").fill("Bad Address!")
    await page.get_by_text(re.compile(r"^Use 3.40 lower-case letters")).wait_for()
    await page.get_by_label("Portal address (the part after /p/)").fill(slug)
    await page.get_by_role("button", name="Save the address").click()
    await page.get_by_role("link", name=f"{portal.url}/p/{slug}").wait_for()

    logo = tmp_path / "logo.png"
    logo.write_bytes(png(32, 16))
    await page.get_by_label("Logo file (PNG or SVG)").set_input_files(str(logo))
    await page.get_by_role("button", name="Upload the logo").click()
    await page.get_by_role("img", name="Current logo").wait_for()
    # The firm's own header wears it too: its name, and its colour on the root element.
    await page.locator("header .brand").filter(has_text="Byrån på Torget").wait_for()
    assert await root_property(person, "--brand-primary") == BRAND
    await person.check("firm-branding-saved")


@pytest.mark.parametrize("person", [{"locale": "sv-SE"}], indirect=True)
async def test_the_portal_address_opens_the_firms_branded_sign_in_page(
    portal: Portal, person: Browser
) -> None:
    customer = await firm_with_customer(portal, language="sv")
    owner, page = customer.staff_token, person.page
    old, new = f"byra-{customer.firm_id[:8]}", f"nya-{customer.firm_id[:8]}"
    await portal.call("PUT", "/api/v1/firms/current/slug", owner, json={"slug": old})
    look = {"display_name": "Torgets Byrå", "primary_color": BRAND, "accent_color": "#8a3d00"}
    await portal.call("PUT", "/api/v1/firms/current/branding", owner, json=look)
    await portal.call("PUT", "/api/v1/firms/current/branding/logo", owner, data=png(),
                      headers={"Content-Type": "image/png"})  # fmt: skip
    methods = {"sign_in_methods": ["secret_link"]}
    await portal.call("PUT", "/api/v1/firms/current/portal-settings", owner, json=methods)

    await person.open(f"/p/{old}")
    await page.get_by_role("heading", name="Logga in hos Torgets Byrå").wait_for()
    await page.get_by_text("Öppna portalen med den personliga länk").wait_for()
    assert await page.get_by_label("E-post").count() == 0
    await person.check("portal-secret-link-only")

    methods = {"sign_in_methods": ["password", "magic_link"]}
    await portal.call("PUT", "/api/v1/firms/current/portal-settings", owner, json=methods)
    await portal.call("PUT", "/api/v1/firms/current/slug", owner, json={"slug": new})
    await person.open(f"/p/{old}")  # the address on last month's invoice
    await page.wait_for_url(re.compile(f"/p/{new}$"))
    await page.get_by_role("heading", name="Logga in hos Torgets Byrå").wait_for()
    header = page.locator("header .brand")
    await header.filter(has_text="Torgets Byrå").wait_for()
    logo = header.locator("img")
    assert (await logo.get_attribute("src") or "").startswith(
        f"{portal.url}/api/v1/branding/{new}/logo"
    )
    assert await logo.evaluate("image => image.complete && image.naturalWidth > 0")
    assert await root_property(person, "--brand-primary") == BRAND
    assert await root_property(person, "--brand-accent") == "#8a3d00"
    tabs = page.locator("fieldset.tabs button")
    assert await tabs.all_inner_texts() == [
        "Lösenord",
        "Mejla mig en länk",
        "Glömt lösenordet",
    ]
    await person.check("portal-sign-in")

    await page.get_by_label("E-post").fill(customer.email)
    await page.get_by_label("Lösenord", exact=True).fill(customer.password or "")
    await page.get_by_role("button", name="Logga in", exact=True).click()
    await page.get_by_role("heading", name="Start", exact=True).wait_for()
    await page.locator("header .brand").filter(has_text="Torgets Byrå").wait_for()
    assert await root_property(person, "--brand-primary") == BRAND
    await person.check("portal-home-branded")
