"""The steps of issue 17's journeys, through the gateway only, reading the real mails: each
journey test calls them in order, and the fault tests call the same steps with a fault in
between. Every step makes its own firm's data, so tests share nothing but the platform."""

import io
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen import canvas

from tests.support.infra import wait_until
from tests.web.portal import PASSWORD, Portal


def pdf(title: str, padding: int = 0) -> bytes:
    """A one-page PDF; `padding` bytes of comment make it as large as a test needs."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, title)
    page.showPage()
    page.save()
    return out.getvalue() + b"%" + b"x" * padding + b"\n" if padding else out.getvalue()


def token_of(link: str) -> str:
    return link.rsplit("#token=", 1)[1]


@dataclass
class Contact:
    id: str
    email: str  # empty for a contact without one
    token: str = ""  # an access token for the client, once signed in


@dataclass
class Bureau:
    """One firm as a journey builds it up."""

    tag: str
    owner_email: str
    staff: str  # the owner's access token
    firm_id: str
    client_id: str = ""
    contacts: dict[str, Contact] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)  # name → id
    documents: dict[str, str] = field(default_factory=dict)  # name → id

    def address(self, who: str) -> str:
        return f"{who}-{self.tag}@kund.example"


async def mail_to(portal: Portal, address: str, subject: str, timeout: float = 20) -> Any:
    """The first mail to `address` whose subject holds `subject`, once it arrived."""

    def found() -> Any:
        return next(
            (m for m in portal.mail.messages
             if address in m.get("X-Envelope-To", "") and subject in str(m["Subject"])),
            None,
        )  # fmt: skip

    await wait_until(lambda: found() is not None, timeout=timeout, interval=0.1)
    return found()


def mails_to(portal: Portal, address: str, subject: str = "") -> list[Any]:
    return [
        m
        for m in portal.mail.messages
        if address in m.get("X-Envelope-To", "") and subject in str(m["Subject"])
    ]


# --- journey 1: a bureau signs up -----------------------------------------------------------
async def sign_up(portal: Portal, plan: str = "partner") -> Bureau:
    tag = uuid.uuid4().hex[:8]
    owner = f"owner-{tag}@byra.example"
    await portal.call("POST", "/api/v1/firms", expect=202, json={
        "name": f"Byrå {tag}", "country": "SE", "plan": plan, "default_language": "sv",
        "owner_name": "Anna Ägare", "owner_email": owner,
    })  # fmt: skip
    confirm = token_of(await portal.link(owner, "/sign-up/confirm"))
    firm = await portal.call("POST", "/api/v1/firms/confirm", expect=201,
                             json={"token": confirm, "password": PASSWORD})  # fmt: skip
    tokens = firm["tokens"]
    return Bureau(tag, owner, tokens["access_token"], tokens["context"]["firm_id"])


async def sign_in(portal: Portal, email: str, **context: str) -> str:
    answer = await portal.call("POST", "/api/v1/auth/sign-in",
                               json={"email": email, "password": PASSWORD, **context})  # fmt: skip
    return str(answer["access_token"])


# --- journey 2: a company client with three contacts ------------------------------------------
async def company_client(portal: Portal, bureau: Bureau) -> None:
    """Kund AB with a primary `commercial` contact (sv), an `employee` (en) and a board member
    with a personal number and no email; the two with email get portal access and register
    from their mails."""
    client = await portal.call("POST", "/api/v1/clients", bureau.staff, expect=201, json={
        "kind": "company", "name": f"Kund {bureau.tag} AB", "contacts": [
            {"first_name": "Petra", "last_name": "Primär", "email": bureau.address("primary"),
             "roles": ["commercial"], "primary": True, "language": "sv"},
            {"first_name": "Erik", "last_name": "Employee", "email": bureau.address("employee"),
             "roles": ["employee"], "language": "en"},
            {"first_name": "Nils", "last_name": "Nummer", "personal_number": "198112189876",
             "roles": ["operational"], "language": "sv"},
        ],
    })  # fmt: skip
    bureau.client_id = client["id"]
    ids = [c["id"] for c in client["contacts"]]
    bureau.contacts = {
        "primary": Contact(ids[0], bureau.address("primary")),
        "employee": Contact(ids[1], bureau.address("employee")),
        "nomail": Contact(ids[2], ""),
    }
    for who in ("primary", "employee"):
        await portal.call("PUT", f"/api/v1/contacts/{ids[['primary', 'employee'].index(who)]}"
                          "/portal-access", bureau.staff, json={"enabled": True})  # fmt: skip


async def register(portal: Portal, bureau: Bureau, who: str) -> None:
    contact = bureau.contacts[who]
    invitation = token_of(await portal.link(contact.email, "/register"))
    await portal.call("POST", "/api/v1/auth/register",
                      json={"token": invitation, "password": PASSWORD})  # fmt: skip
    contact.token = await sign_in(portal, contact.email, client_id=bureau.client_id)


# --- journey 3: folders and who sees them ------------------------------------------------------
async def folders(portal: Portal, bureau: Bureau) -> None:
    employee = bureau.contacts["employee"].id
    for name, rules in (
        ("Bokslut", {"level": "read", "audience": "all"}),
        ("Löner", {"level": "upload", "audience": [employee], "primary_manages": True}),
        ("Styrelse", {"level": "none"}),
    ):
        made = await portal.eventually(
            "POST", f"/api/v1/clients/{bureau.client_id}/folders", bureau.staff, expect=201,
            json={"name": name, **rules},
        )  # fmt: skip
        bureau.folders[name] = made["id"]


async def shared_folder(portal: Portal, bureau: Bureau, name: str) -> None:
    made = await portal.eventually(
        "POST", f"/api/v1/clients/{bureau.client_id}/folders", bureau.staff, expect=201,
        json={"name": name, "level": "read", "audience": "all"},
    )  # fmt: skip
    bureau.folders[name] = made["id"]


async def folder_names(portal: Portal, bureau: Bureau, token: str) -> list[str]:
    listing = await portal.eventually("GET", f"/api/v1/clients/{bureau.client_id}/folders", token)
    return sorted(f["name"] for f in listing["folders"])


async def customer_ready(portal: Portal, plan: str = "partner") -> Bureau:
    """Journeys 1 to 3 condensed: what journeys 4 to 7 start from."""
    bureau = await sign_up(portal, plan)
    await company_client(portal, bureau)
    for who in ("primary", "employee"):
        await register(portal, bureau, who)
    await folders(portal, bureau)
    return bureau


# --- journey 4: an upload, its notices, a download and a comment --------------------------------
async def upload(portal: Portal, bureau: Bureau, folder: str, name: str, data: bytes) -> str:
    made = await portal.eventually(
        "POST", f"/api/v1/folders/{bureau.folders[folder]}/documents", bureau.staff,
        expect=201, params={"name": name}, data=data,
    )  # fmt: skip
    bureau.documents[name] = made["id"]
    return str(made["id"])


async def download_and_comment(portal: Portal, bureau: Bureau, name: str) -> bytes:
    primary = bureau.contacts["primary"].token
    document = bureau.documents[name]
    content = await portal.call("GET", f"/api/v1/documents/{document}/content", primary)
    await portal.call("POST", f"/api/v1/documents/{document}/comments", primary, expect=201,
                      json={"body": "Ser bra ut, tack!"})  # fmt: skip
    return content


async def preferences(portal: Portal, token: str, **categories: str) -> None:
    await portal.eventually("PATCH", "/api/v1/me/notification-preferences", token,
                            json={"categories": categories})  # fmt: skip


# --- journey 5: signing in order -------------------------------------------------------------
def board_member(bureau: Bureau) -> str:
    return f"styrelse-{bureau.tag}@extern.example"


async def start_signing(portal: Portal, bureau: Bureau, document: str, parties: list[Any]) -> str:
    signing = await portal.eventually("POST", "/api/v1/signings", bureau.staff, expect=201, json={
        "document_id": bureau.documents[document], "language": "sv", "parties": parties,
    })  # fmt: skip
    return str(signing["id"])


async def send_signing(portal: Portal, bureau: Bureau, signing: str, expect: int = 200) -> Any:
    return await portal.call("POST", f"/api/v1/signings/{signing}/send", bureau.staff,
                             expect=expect)  # fmt: skip


def three_parties(bureau: Bureau) -> list[dict[str, Any]]:
    primary, employee = bureau.contacts["primary"], bureau.contacts["employee"]
    return [
        {"name": "Petra Primär", "email": primary.email, "method": "email_otp", "order": 1,
         "contact_id": primary.id},
        {"name": "Erik Employee", "email": employee.email, "method": "email_otp", "order": 2,
         "contact_id": employee.id},
        {"name": "Stina Styrelse", "email": board_member(bureau), "method": "click", "order": 3},
    ]  # fmt: skip


async def sign_as(portal: Portal, address: str, name: str, *, code: bool) -> None:
    """The party opens the link in their signing mail, proves the emailed code if asked, and
    signs."""
    link = token_of(await portal.link(address, "/sign"))
    await portal.call("GET", f"/api/v1/sign/{link}")
    headers = {}
    if code:
        await portal.call("POST", f"/api/v1/sign/{link}/code", expect=201)
        mail = await mail_to(portal, address, "engångskod")
        number = str(mail["Subject"]).rsplit(" ", 1)[1]
        verified = await portal.call("POST", f"/api/v1/sign/{link}/code/verify",
                                     json={"code": number})  # fmt: skip
        headers = {"X-Signing-Session": verified["session"]}
    await portal.call("POST", f"/api/v1/sign/{link}/sign", json={"typed_name": name},
                      headers=headers)  # fmt: skip


async def signing_state(portal: Portal, bureau: Bureau, signing: str) -> str:
    view = await portal.call("GET", f"/api/v1/signings/{signing}", bureau.staff)
    return str(view["state"])


async def balance(portal: Portal, bureau: Bureau) -> int:
    account = await portal.eventually("GET", "/api/v1/billing/account", bureau.staff)
    return int(account["balance"]["credits"])


# --- journey 6: an admin buys credits ------------------------------------------------------------
async def staff_member(portal: Portal, bureau: Bureau, role: str, who: str) -> str:
    """A staff user invited with `role`, registered from the mail; their access token."""
    email = f"{who}-{bureau.tag}@byra.example"
    await portal.call("POST", "/api/v1/staff", bureau.staff, expect=201,
                      json={"email": email, "name": who.title(), "role": role})  # fmt: skip
    invitation = token_of(await portal.link(email, "/register"))
    await portal.call("POST", "/api/v1/auth/register",
                      json={"token": invitation, "password": PASSWORD})  # fmt: skip
    return await sign_in(portal, email, firm_id=bureau.firm_id)


# --- the journeys that the fault tests interrupt -------------------------------------------------
Fault = Callable[[str], Awaitable[None]]


async def no_fault(_point: str) -> None:
    return None


async def journey_4(portal: Portal, bureau: Bureau, fault: Fault = no_fault) -> None:
    """Staff upload a PDF to Bokslut; the audience hears of it by their preferences; the
    primary contact downloads it (the access log shows it) and comments; staff hear of that."""
    primary, employee = bureau.contacts["primary"], bureau.contacts["employee"]
    await preferences(portal, employee.token, documents="off")
    data = pdf("Bokslut 2026")
    document = await upload(portal, bureau, "Bokslut", "Bokslut 2026.pdf", data)
    await fault("uploaded")
    await mail_to(portal, primary.email, "Nytt dokument", timeout=60)
    assert await download_and_comment(portal, bureau, "Bokslut 2026.pdf") == data
    log = await portal.call("GET", f"/api/v1/documents/{document}/access-log", bureau.staff)
    assert primary.id in {e["user_id"] for e in log["entries"]}
    await fault("commented")
    await mail_to(portal, bureau.owner_email, "Ny kommentar", timeout=60)
    assert not mails_to(portal, employee.email, "New document")


def _asked_by_name(portal: Portal, address: str) -> bool:
    """The signing invitation names who asks: the owner, at the firm."""
    texts = (m.get_body(preferencelist=("plain",)).get_content() for m in mails_to(portal, address))
    return any("Anna Ägare på Byrå" in text and "ber dig signera" in text for text in texts)


async def journey_5(portal: Portal, bureau: Bureau, fault: Fault = no_fault) -> None:
    """The primary and the employee sign in order by emailed code, then a board member
    outside the client by click; one credit goes; the sealed PDF lands in Bokslut, validates,
    and every party gets its signed copy."""
    await upload(portal, bureau, "Bokslut", "Årsredovisning.pdf", pdf("Årsredovisning"))
    assert await balance(portal, bureau) == 2
    signing = await start_signing(portal, bureau, "Årsredovisning.pdf", three_parties(bureau))
    await send_signing(portal, bureau, signing)
    assert await balance(portal, bureau) == 1
    primary, employee = bureau.contacts["primary"], bureau.contacts["employee"]
    await wait_until(lambda: _asked_by_name(portal, primary.email), timeout=30, interval=0.2)
    await sign_as(portal, primary.email, "Petra Primär", code=True)
    await fault("first signed")
    await sign_as(portal, employee.email, "Erik Employee", code=True)
    await sign_as(portal, board_member(bureau), "Stina Styrelse", code=False)
    await fault("all signed")
    await wait_until(lambda: _completed(portal, bureau, signing), timeout=60, interval=0.3)
    sealed = await sealed_in_bokslut(portal, bureau)
    await validates(sealed)
    for address in (primary.email, employee.email, board_member(bureau)):
        await mail_to(portal, address, "Signerad kopia", timeout=60)


async def _completed(portal: Portal, bureau: Bureau, signing: str) -> bool:
    return await signing_state(portal, bureau, signing) == "completed"


async def sealed_in_bokslut(portal: Portal, bureau: Bureau) -> bytes:
    folder = bureau.folders["Bokslut"]
    listing = await portal.call("GET", f"/api/v1/folders/{folder}/documents", bureau.staff)
    names = {d["name"]: d["id"] for d in listing["documents"]}
    sealed = [n for n in names if n.startswith("Årsredovisning") and n != "Årsredovisning.pdf"]
    assert len(sealed) == 1, names
    content = await portal.call("GET", f"/api/v1/documents/{names[sealed[0]]}/content",
                                bureau.staff)  # fmt: skip
    return bytes(content)


async def validates(sealed: bytes, trusted: bytes | None = None) -> None:
    """The seal covers the whole file, intact; and, given the sealing certificate (PEM),
    chains to it."""
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    roots = [x509.Certificate.load(pem.unarmor(trusted)[2])] if trusted else []
    status = await async_validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    assert status.intact
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.trusted or not trusted


async def journey_6(portal: Portal, bureau: Bureau, fault: Fault = no_fault) -> None:
    """The balance runs out; the next sending is 402; an admin who is no member buys a pack,
    and the sending goes."""
    party = [{"name": "Stina Styrelse", "email": board_member(bureau), "method": "click"}]

    async def signing(number: int) -> str:
        name = f"Protokoll {number}.pdf"
        await upload(portal, bureau, "Bokslut", name, pdf(name))
        return await start_signing(portal, bureau, name, party)

    number = 0
    while await balance(portal, bureau) > 0:
        number += 1
        await send_signing(portal, bureau, await signing(number))
    refused = await signing(number + 1)
    await send_signing(portal, bureau, refused, expect=402)
    admin = await staff_member(portal, bureau, "admin", "admin")
    await fault("admin joined")
    pack = {"pack": "10", "idempotency_key": f"pack-{bureau.tag}"}
    bought = await portal.call("POST", "/api/v1/billing/credit-purchases", admin, expect=201,
                               json=pack)  # fmt: skip
    assert bought["balance"] == 10
    await send_signing(portal, bureau, refused)
    assert await balance(portal, bureau) == 9


async def journey_7(portal: Portal, bureau: Bureau, fault: Fault = no_fault) -> None:
    """Storage past 80 % mails the admins a warning; an upload past 100 % is 402; a 10 GB
    block lets it through; the month's statement shows the block at 79 SEK."""
    account = await portal.eventually("GET", "/api/v1/billing/account", bureau.staff)
    limit, used = account["storage"]["limit"], account["storage"]["used"]
    await upload(
        portal, bureau, "Bokslut", "Huvudbok.pdf", pdf("Huvudbok", int(limit * 0.85) - used)
    )
    await fault("near the limit")
    await mail_to(portal, bureau.owner_email, "80 %", timeout=60)
    too_big = pdf("Verifikationer", int(limit * 0.2))
    folder = bureau.folders["Bokslut"]
    await portal.call("POST", f"/api/v1/folders/{folder}/documents", bureau.staff, expect=402,
                      params={"name": "Verifikationer.pdf"}, data=too_big)  # fmt: skip
    await portal.call("POST", "/api/v1/billing/storage-blocks", bureau.staff,
                      json={"quantity": 1, "idempotency_key": f"block-{bureau.tag}"})  # fmt: skip
    await upload(portal, bureau, "Bokslut", "Verifikationer.pdf", too_big)
    month = datetime.now(UTC).strftime("%Y-%m")
    statement = await portal.call("GET", f"/api/v1/billing/statements/{month}", bureau.staff)
    blocks = [line for line in statement["lines"] if "block" in str(line).lower()]
    assert blocks, statement
    assert blocks[0]["amount_ore"] == 7900, blocks


# --- journeys 1, 2, 3, 8 and 9 -------------------------------------------------------------------
async def journey_1(portal: Portal) -> None:
    """A bureau signs up on `partner`, invites a member who registers from the mail and is
    assigned one client of two: the member sees that one only."""
    bureau = await sign_up(portal, "partner")
    account = await portal.eventually("GET", "/api/v1/billing/account", bureau.staff)
    assert account["plan"] == "partner"
    clients = [
        (await portal.call("POST", "/api/v1/clients", bureau.staff, expect=201,
                           json={"kind": "company", "name": f"Kund {n} AB"}))["id"]
        for n in (1, 2)
    ]  # fmt: skip
    member = await staff_member(portal, bureau, "member", "medarbetare")
    staff = await portal.call("GET", "/api/v1/staff", bureau.staff)
    member_id = next(s["id"] for s in staff["items"] if s["role"] == "member")
    await portal.call("PUT", f"/api/v1/staff/{member_id}/clients/{clients[0]}", bureau.staff,
                      expect=204)  # fmt: skip
    member = await sign_in(portal, f"medarbetare-{bureau.tag}@byra.example", firm_id=bureau.firm_id)
    seen = await portal.call("GET", "/api/v1/clients", member)
    assert [c["id"] for c in seen["items"]] == [clients[0]]
    await portal.call("GET", f"/api/v1/clients/{clients[1]}", member, expect=404)
    await portal.eventually("GET", f"/api/v1/clients/{clients[0]}/folders", member)
    await portal.call("GET", f"/api/v1/clients/{clients[1]}/folders", member, expect=404)


async def access_status(portal: Portal, bureau: Bureau, contact: str) -> str:
    access = await portal.call("GET", f"/api/v1/contacts/{contact}/portal-access", bureau.staff)
    return str(access["status"])


async def journey_2(portal: Portal) -> None:
    """A company client with three contacts in one request; welcome mails in each one's
    language, a fourth contact's at its scheduled time; re-send; statuses; and the contact
    without email signs in by eID and is asked for one."""
    bureau = await sign_up(portal)
    await company_client(portal, bureau)
    primary, employee, nomail = (bureau.contacts[w] for w in ("primary", "employee", "nomail"))
    await mail_to(portal, primary.email, "bjuder in dig till sin kundportal")
    await mail_to(portal, employee.email, "invites you to its client portal")
    assert await access_status(portal, bureau, primary.id) == "sent"
    assert await access_status(portal, bureau, nomail.id) == "not_invited"

    later = bureau.address("later")
    fourth = await portal.call("POST", "/api/v1/contacts", bureau.staff, expect=201, json={
        "first_name": "Lars", "last_name": "Later", "email": later, "language": "de",
        "clients": [{"client_id": bureau.client_id, "roles": ["employee"]}],
    })  # fmt: skip
    send_at = datetime.now(UTC) + timedelta(seconds=4)
    await portal.call("PUT", f"/api/v1/contacts/{fourth['id']}/portal-access", bureau.staff,
                      json={"enabled": True, "send_at": send_at.isoformat()})  # fmt: skip
    assert await access_status(portal, bureau, fourth["id"]) == "scheduled"
    assert not mails_to(portal, later)
    await mail_to(portal, later, "Kundenportal", timeout=30)
    assert datetime.now(UTC) >= send_at
    assert await access_status(portal, bureau, fourth["id"]) == "sent"

    await portal.call("POST", f"/api/v1/contacts/{employee.id}/invitation", bureau.staff,
                      json={})  # fmt: skip
    await wait_until(lambda: len(mails_to(portal, employee.email, "invites you")) == 2)
    await register(portal, bureau, "employee")  # from the newest mail
    assert await access_status(portal, bureau, employee.id) == "registered"

    await portal.call("PUT", f"/api/v1/contacts/{nomail.id}/portal-access", bureau.staff,
                      json={"enabled": True})  # fmt: skip
    await portal.call("PUT", "/api/v1/firms/current/portal-settings", bureau.staff,
                      json={"sign_in_methods": ["password", "magic_link", "eid"]})  # fmt: skip
    await eid_sign_in(portal, bureau, "198112189876", f"nils-{bureau.tag}@kund.example")


async def eid_sign_in(portal: Portal, bureau: Bureau, number: str, email: str) -> None:
    order = await portal.call("POST", "/api/v1/auth/eid/start", expect=201,
                              json={"personal_number": number})  # fmt: skip
    ref = {"order_ref": order["order_ref"]}

    async def asks_for_email() -> bool:
        async with portal.http.post(f"{portal.url}/api/v1/auth/eid/collect", json=ref) as answer:
            return answer.status == 422 and (await answer.json())["field"] == "email"

    await wait_until(asks_for_email, timeout=20, interval=0.3)
    done = await portal.call("POST", "/api/v1/auth/eid/collect", json=ref | {"email": email})
    assert done["tokens"]["context"]["client_id"] == bureau.client_id


async def journey_3(portal: Portal) -> None:
    """Bokslut (read, all), Löner (upload, the employee only; the primary manages it),
    Styrelse (none): each contact sees exactly theirs; the primary adds herself, the commercial
    contact, to Löner."""
    bureau = await customer_ready(portal)
    primary, employee = bureau.contacts["primary"], bureau.contacts["employee"]
    # The primary sees Löner to manage it, but none of its documents until in its audience.
    assert await folder_names(portal, bureau, primary.token) == ["Bokslut", "Löner"]
    assert await folder_names(portal, bureau, employee.token) == ["Bokslut", "Löner"]
    assert await folder_names(portal, bureau, bureau.staff) == ["Bokslut", "Löner", "Styrelse"]
    salaries = bureau.folders["Löner"]
    payslip = await portal.call("POST", f"/api/v1/folders/{salaries}/documents", employee.token,
                                expect=201, params={"name": "Lönespec.pdf"},
                                data=pdf("Lönespec"))  # fmt: skip
    document = f"/api/v1/documents/{payslip['id']}"
    await portal.call("GET", document, primary.token, expect=404)
    for who in (primary, employee):
        await portal.call("GET", f"/api/v1/folders/{bureau.folders['Styrelse']}", who.token,
                          expect=404)  # fmt: skip
    await portal.call("PUT", f"/api/v1/folders/{salaries}/access", employee.token, expect=403,
                      json={"audience": [employee.id]})  # fmt: skip
    await portal.call("PUT", f"/api/v1/folders/{salaries}/access", primary.token,
                      json={"audience": [employee.id, primary.id]})  # fmt: skip
    await portal.call("GET", document, primary.token)


async def journey_8(portal: Portal) -> None:
    """A contact of two clients sees each one's folders only under that client; the same
    person invited by a second firm keeps one account, proves the email, switches firms; no
    token of one firm reaches the other's data."""
    first = await customer_ready(portal)
    primary = first.contacts["primary"]
    second_client = await portal.call("POST", "/api/v1/clients", first.staff, expect=201,
                                      json={"kind": "company", "name": "Dotter AB"})  # fmt: skip
    await portal.call("PUT", f"/api/v1/clients/{second_client['id']}/contacts/{primary.id}",
                      first.staff, json={"roles": ["commercial"]})  # fmt: skip
    other = Bureau(first.tag, first.owner_email, first.staff, first.firm_id, second_client["id"])
    await shared_folder(portal, other, "Avtal")
    switched = await portal.call("POST", "/api/v1/auth/switch", primary.token, json={
        "firm_id": first.firm_id, "client_id": other.client_id})  # fmt: skip
    in_second = switched["access_token"]
    assert await folder_names(portal, other, in_second) == ["Avtal"]
    await portal.call("GET", f"/api/v1/folders/{first.folders['Bokslut']}", in_second,
                      expect=404)  # fmt: skip
    # Switching ends the session it leaves: its token is refused everywhere, within a second.
    await portal.eventually("GET", f"/api/v1/clients/{first.client_id}/folders", primary.token,
                            expect=401)  # fmt: skip
    in_first = (await portal.call("POST", "/api/v1/auth/switch", in_second, json={
        "firm_id": first.firm_id, "client_id": first.client_id}))["access_token"]  # fmt: skip
    assert await folder_names(portal, first, in_first) == ["Bokslut", "Löner"]
    await portal.call("GET", f"/api/v1/folders/{other.folders['Avtal']}", in_first,
                      expect=404)  # fmt: skip

    firm_b = await sign_up(portal)
    client_b = await portal.call("POST", "/api/v1/clients", firm_b.staff, expect=201, json={
        "kind": "individual", "name": "Petra Primär", "contacts": [{
            "first_name": "Petra", "last_name": "Primär", "email": primary.email,
            "primary": True, "roles": ["commercial"]}],
    })  # fmt: skip
    contact_b = client_b["contacts"][0]["id"]
    await portal.call("PUT", f"/api/v1/contacts/{contact_b}/portal-access", firm_b.staff,
                      json={"enabled": True})  # fmt: skip
    invitation = token_of(await portal.link(primary.email, "/invitation"))
    await portal.call("POST", "/api/v1/auth/register", expect=409,
                      json={"token": invitation, "password": PASSWORD})  # fmt: skip
    accepted = await portal.call("POST", "/api/v1/auth/invitation/accept",
                                 json={"token": invitation})  # fmt: skip
    assert accepted["context"]["firm_id"] == firm_b.firm_id
    firm_b.client_id = client_b["id"]
    await shared_folder(portal, firm_b, "Bokslut")
    in_b = accepted["access_token"]
    assert await folder_names(portal, firm_b, in_b) == ["Bokslut"]
    await _foreign(portal, in_b, first)
    back = await portal.call("POST", "/api/v1/auth/switch", in_b, json={
        "firm_id": first.firm_id, "client_id": first.client_id})  # fmt: skip
    assert await folder_names(portal, first, back["access_token"]) == ["Bokslut", "Löner"]
    await _foreign(portal, back["access_token"], firm_b)
    await portal.call("GET", f"/api/v1/clients/{first.client_id}", firm_b.staff, expect=404)


async def _foreign(portal: Portal, token: str, foreign: Bureau) -> None:
    """A token of one firm reaches nothing of another's: its folder and its client are 404."""
    await portal.call("GET", f"/api/v1/folders/{foreign.folders['Bokslut']}", token, expect=404)
    await portal.call("GET", f"/api/v1/clients/{foreign.client_id}/folders", token, expect=404)


async def journey_9(portal: Portal) -> None:
    """A customer signs in by magic link, and by the firm's secret link."""
    bureau = await customer_ready(portal)
    primary = bureau.contacts["primary"]
    await portal.call("POST", "/api/v1/auth/magic-link", expect=202,
                      json={"email": primary.email})  # fmt: skip
    link = token_of(await portal.link(primary.email, "/sign-in/link"))
    by_link = await portal.call("POST", "/api/v1/auth/magic-link/sign-in", json={"token": link})
    me = await portal.call("GET", "/api/v1/me", by_link["access_token"])
    assert me["method"] == "magic_link"
    methods = {"sign_in_methods": ["password", "magic_link", "secret_link"]}
    await portal.call("PUT", "/api/v1/firms/current/portal-settings", bureau.staff, json=methods)
    secret_link = f"/api/v1/contacts/{primary.id}/secret-link"
    made = await portal.call("POST", secret_link, bureau.staff, expect=201)
    secret = await portal.call("POST", "/api/v1/auth/secret-link/sign-in",
                               json={"token": token_of(made["url"])})  # fmt: skip
    me = await portal.call("GET", "/api/v1/me", secret["access_token"])
    assert me["method"] == "secret_link"
    assert await folder_names(portal, bureau, secret["access_token"]) == ["Bokslut", "Löner"]
