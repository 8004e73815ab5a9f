"""Demo data for the local run, created through the public API behind the gateway, so it is
exactly what a firm would have after using the product: a firm with its owner, a company
client with two people (the primary one invited to the portal), a shared folder with a PDF."""

import asyncio
import io
import re
from typing import Any

import aiohttp
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from deploy.local.mail import MailCatcher

OWNER_EMAIL = "anna@demo-redovisning.example"
OWNER_PASSWORD = "demo-portal-password-2026"
CUSTOMER_PASSWORD = "demo-customer-password-2026"
CUSTOMER_EMAIL = "erik@kund-ab.example"

FIRM = {
    "name": "Demo Redovisning AB",
    "country": "SE",
    "plan": "bureau",
    "default_language": "sv",
    "owner_name": "Anna Andersson",
    "owner_email": OWNER_EMAIL,
}
CLIENT = {
    "kind": "company",
    "name": "Kund AB",
    "organisation_number": "556677-8899",
    "contacts": [
        {"first_name": "Erik", "last_name": "Kund", "email": CUSTOMER_EMAIL,
         "roles": ["commercial", "operational"], "primary": True, "language": "sv"},
        {"first_name": "Sara", "last_name": "Lind", "email": "sara@kund-ab.example",
         "roles": ["employee"], "language": "en"},
    ],
}  # fmt: skip


class DemoError(RuntimeError):
    pass


async def load_demo(gateway: str, mail: MailCatcher) -> list[str]:
    """Load the demo once (a second run finds the owner can sign in and leaves it be); returns
    lines telling a person how to use it. Sign-up is confirmed from the mail the owner gets,
    read from the local mail catcher as the owner would open it."""
    async with aiohttp.ClientSession(base_url=gateway) as http:
        owner = {"email": OWNER_EMAIL, "password": OWNER_PASSWORD}
        signed_in = await _call(http, "POST", "/api/v1/auth/sign-in", json=owner, expect=(200, 401))
        if "access_token" not in signed_in:
            await _create(http, mail)
    return [
        "  Demo firm:           Demo Redovisning AB (plan bureau)",
        f"  Staff sign-in:       POST {gateway}/api/v1/auth/sign-in",
        f"                       {OWNER_EMAIL} / {OWNER_PASSWORD}",
        f"  Customer sign-in:    {gateway}/sign-in  (Kund AB, registered from the invitation mail)",
        f"                       {CUSTOMER_EMAIL} / {CUSTOMER_PASSWORD}",
    ]


async def _create(http: aiohttp.ClientSession, mail: MailCatcher) -> None:
    await _call(http, "POST", "/api/v1/firms", json=FIRM, expect=(202,))
    token = await _sign_up_token(mail)
    confirm = {"token": token, "password": OWNER_PASSWORD}
    signed_up = await _call(http, "POST", "/api/v1/firms/confirm", json=confirm, expect=(201,))
    auth = {"Authorization": f"Bearer {signed_up['tokens']['access_token']}"}
    client = await _call(http, "POST", "/api/v1/clients", json=CLIENT, headers=auth, expect=(201,))
    links = await _call(http, "GET", f"/api/v1/clients/{client['id']}/contacts", headers=auth)
    primary = next(link for link in links["items"] if link["primary"])
    await _call(http, "PUT", f"/api/v1/contacts/{primary['contact_id']}/portal-access",
                json={"enabled": True}, headers=auth)  # fmt: skip
    # The customer registers from the invitation mail, as they would in the portal.
    invitation = await _mailed_token(mail, CUSTOMER_EMAIL, r"/register#token=([\w-]+)")
    await _call(http, "POST", "/api/v1/auth/register",
                json={"token": invitation, "password": CUSTOMER_PASSWORD})  # fmt: skip
    folder = await _eventually(
        http, "POST", f"/api/v1/clients/{client['id']}/folders", headers=auth, expect=(201,),
        json={"name": "Bokslut 2026", "level": "upload", "audience": "all"},
    )  # fmt: skip
    await _eventually(
        http, "POST", f"/api/v1/folders/{folder['id']}/documents", headers=auth, expect=(201,),
        params={"name": "Årsredovisning 2026.pdf"}, data=_sample_pdf(),
    )  # fmt: skip


async def _sign_up_token(mail: MailCatcher) -> str:
    """The token of the newest sign-up link mailed to the demo owner."""
    return await _mailed_token(mail, OWNER_EMAIL, r"/sign-up/confirm#token=([\w-]+)")


async def _mailed_token(mail: MailCatcher, address: str, pattern: str) -> str:
    """The token of the newest link matching `pattern` mailed to `address`."""
    for _ in range(200):
        for message in reversed(mail.messages):
            if address in message.get("To", ""):
                text = message.get_body(preferencelist=("plain",)).get_content()
                found = re.search(pattern, text)
                if found:
                    return found.group(1)
        await asyncio.sleep(0.1)
    raise DemoError(f"no mail matching {pattern} reached {address}")


async def _eventually(http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Any:
    """Retry while the other services are still learning about the firm from its events."""
    for _ in range(50):
        try:
            return await _call(http, method, path, **kw)
        except DemoError as error:
            last = error
            await asyncio.sleep(0.2)
    raise last


async def _call(
    http: aiohttp.ClientSession, method: str, path: str, *, expect: tuple[int, ...] = (200,),
    **kw: Any,
) -> Any:  # fmt: skip
    async with http.request(method, path, **kw) as response:
        body = await response.json(content_type=None)
        if response.status not in expect:
            raise DemoError(f"{method} {path} answered {response.status}: {body}")
        return body


def _sample_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("Helvetica-Bold", 20)
    page.drawString(72, 760, "Kund AB: Årsredovisning 2026")
    page.setFont("Helvetica", 12)
    page.drawString(72, 730, "Demo document shared by Demo Redovisning AB.")
    page.showPage()
    page.save()
    return out.getvalue()
