"""Demo data for the local run, created through the public API behind the gateway, so it is
exactly what a firm would have after using the product: a firm with its owner, a company
client with two people (the primary one invited to the portal), a shared folder with a PDF out
for signing, a folder of its own, and a second client (a person) with a folder of theirs — so
that the firm's first look at the portal shows a working office."""

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
SECOND_CLIENT = {
    "kind": "individual",
    "name": "Lisa Larsson",
    "contacts": [
        {"first_name": "Lisa", "last_name": "Larsson", "email": "lisa@larsson.example",
         "roles": ["commercial"], "primary": True, "language": "sv"},
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
        f"  Staff sign-in:       {gateway}/sign-in  (the firm's side: clients, folders, signing)",
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
    report = await _upload(http, auth, folder["id"], "Årsredovisning 2026.pdf")
    await _signing_in_progress(http, auth, report["id"], primary["contact_id"])
    await _folder_with(http, auth, client["id"], "Lönespecifikationer", "read", "Lön november.pdf")
    person = await _call(http, "POST", "/api/v1/clients", json=SECOND_CLIENT, headers=auth,
                         expect=(201,))  # fmt: skip
    await _folder_with(http, auth, person["id"], "Deklaration 2026", "upload", "Underlag.pdf")


async def _upload(
    http: aiohttp.ClientSession, auth: dict[str, str], folder_id: str, name: str
) -> Any:
    return await _eventually(
        http, "POST", f"/api/v1/folders/{folder_id}/documents", headers=auth, expect=(201,),
        params={"name": name}, data=_sample_pdf(name),
    )  # fmt: skip


async def _folder_with(
    http: aiohttp.ClientSession, auth: dict[str, str], client_id: str, name: str, level: str,
    document: str,
) -> None:  # fmt: skip
    folder = await _eventually(
        http, "POST", f"/api/v1/clients/{client_id}/folders", headers=auth, expect=(201,),
        json={"name": name, "level": level, "audience": "all"},
    )  # fmt: skip
    await _upload(http, auth, folder["id"], document)


async def _signing_in_progress(
    http: aiohttp.ClientSession, auth: dict[str, str], document_id: str, contact_id: str
) -> None:
    """The annual report sent to the customer for signing, waiting for them."""
    party = {"name": "Erik Kund", "email": CUSTOMER_EMAIL, "method": "click",
             "contact_id": contact_id}  # fmt: skip
    body = {"document_id": document_id, "language": "sv", "parties": [party],
            "message": "Skriv gärna under årsredovisningen."}  # fmt: skip
    signing = await _eventually(http, "POST", "/api/v1/signings", json=body, headers=auth,
                                expect=(201,))  # fmt: skip
    await _call(http, "POST", f"/api/v1/signings/{signing['id']}/send", headers=auth)


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


def _sample_pdf(title: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont("Helvetica-Bold", 20)
    page.drawString(72, 760, title)
    page.setFont("Helvetica", 12)
    page.drawString(72, 730, "Demo document shared by Demo Redovisning AB.")
    page.showPage()
    page.save()
    return out.getvalue()
