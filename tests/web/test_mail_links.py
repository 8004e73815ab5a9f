"""Every kind of mail the platform sent in a firm's life so far, its link followed in a fresh
browser: each opens its page (a token link its own page; a portal page, for someone not signed
in, the sign-in on the way to it), never the gateway's 404 or the app's "does not exist"."""

import re
from typing import Any

from tests.web.conftest import Browser
from tests.web.portal import Portal, firm_with_customer, shared_folder, staff_upload
from tests.web.test_documents import pdf

EXPECTED = {
    "/register": "Welcome — choose your password",
    "/sign-up/confirm": "Confirm your firm",
    "/reset-password": "Choose a new password",
    "/sign": "Document to sign",
    "/signed-copy": "Signed copy",
    "/invitation": "You have been invited",
}


def portal_links(portal: Portal, addresses: set[str]) -> dict[str, str]:
    """Subject → the portal link the mail carries, for every mail to these addresses."""
    found = {}
    pattern = re.compile(rf"({re.escape(portal.url)}/[^\s]*)")
    for message in portal.mail.messages:
        if not addresses & set(message.get("X-Envelope-To", "").split(",")):
            continue
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = [link for link in pattern.findall(text) if link.rstrip("/") != portal.url]
        if links:
            found[str(message["Subject"])] = links[0]
    return found


async def test_every_mailed_link_opens_its_page(portal: Portal, person: Browser) -> None:
    customer = await firm_with_customer(portal)
    folder = await shared_folder(portal, customer, "Mail")
    staff = customer.staff_token
    document = await staff_upload(portal, customer, "Mailed.pdf", pdf("Mailed"))
    await portal.eventually("POST", f"/api/v1/documents/{document['id']}/approvals", staff,
                            expect=201, json={"message": "Please approve."})  # fmt: skip
    await portal.call("POST", f"/api/v1/documents/{document['id']}/comments", staff,
                      expect=201, json={"body": "A comment from the firm."})  # fmt: skip
    await portal.call("POST", "/api/v1/auth/magic-link", expect=202, json={"email": customer.email})
    await portal.call("POST", "/api/v1/auth/password-reset", expect=202,
                      json={"email": customer.email})  # fmt: skip
    signing: Any = await portal.eventually("POST", "/api/v1/signings", staff, expect=201, json={
        "document_id": document["id"], "language": "en",
        "parties": [{"name": "Erik Kund", "email": customer.email, "method": "click"}],
    })  # fmt: skip
    await portal.call("POST", f"/api/v1/signings/{signing['id']}/send", staff)
    token = (await portal.link(customer.email, "/sign")).rsplit("#token=", 1)[1]
    await portal.call("POST", f"/api/v1/sign/{token}/sign", json={"typed_name": "Erik Kund"})
    await portal.link(customer.email, "/signed-copy")  # the last one to arrive
    assert folder

    links = portal_links(portal, {customer.email, customer.owner})
    paths = {re.sub(r"[#?].*", "", link.removeprefix(portal.url)) for link in links.values()}
    for wanted in ("/register", "/sign-up/confirm", "/sign-in/link", "/reset-password",
                   "/sign", "/signed-copy"):  # fmt: skip
        assert wanted in paths, f"no mail linked to {wanted}: {sorted(paths)}"
    assert any(p.startswith("/documents/") for p in paths), sorted(paths)

    page = person.page
    for subject, link in links.items():
        await person.context.clear_cookies()
        await page.goto("about:blank")
        await person.open(link)
        path = re.sub(r"[#?].*", "", link.removeprefix(portal.url))
        heading = page.get_by_role("heading", level=1)
        await heading.first.wait_for()
        text = (await heading.first.text_content()) or ""
        assert text != "This page does not exist", f"{subject}: {link}"
        if path in EXPECTED:
            assert text == EXPECTED[path], f"{subject}: {path} shows {text!r}"
        elif path == "/sign-in/link":
            await page.get_by_role("heading", name="Home", exact=True).wait_for()
        else:  # a portal page: a person not signed in signs in first
            assert text == "Sign in", f"{subject}: {path} shows {text!r}"
