"""A firm's whole journey across the five services, over real PostgreSQL, RabbitMQ, S3 and SMTP.

A firm signs up (billing opens its account from the event), registers a customer and invites
its primary contact (the link arrives by mail), who registers and signs in for that client.
Staff share a folder; the customer uploads into it. Staff send the document for signing, the
customer signs through the link in the mail, and the sealed PDF lands in the folder, with a
signature credit spent and everyone told.
"""

import io
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from reportlab.pdfgen import canvas

from deploy.local.mail import MailCatcher
from tests.support.infra import wait_until
from tests.support.journey import PASSWORD, call, eventually, link_in
from tests.support.platform import five_services
from tests.support.services import Environment, Running


@dataclass
class Platform:
    identity: Running
    documents: Running
    signing: Running
    notify: Running
    billing: Running
    mail: MailCatcher

    def mails_to(self, address: str) -> list[Any]:
        return [m for m in self.mail.messages if address in m["X-Envelope-To"]]


@pytest.fixture
async def platform(env: Environment, smtp: MailCatcher) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        run = await five_services(env, stack, smtp_port=smtp.port)
        yield Platform(
            run["identity"], run["documents"], run["signing"], run["notify"], run["billing"], smtp
        )


def pdf(title: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, title)
    page.showPage()
    page.save()
    return out.getvalue()


async def test_a_firm_invites_a_customer_shares_documents_and_has_one_signed(
    platform: Platform,
) -> None:
    tag = uuid.uuid4().hex[:8]
    owner_email, customer_email = f"owner-{tag}@firm.example", f"erik-{tag}@kund.example"
    platform.mail.clear()

    # Signing up mails the owner a link; the firm exists once it is opened.
    await call(platform.identity, "POST", "/api/v1/firms", expect=202, json={
        "name": "Byrå & Co", "country": "SE", "plan": "partner", "default_language": "sv",
        "owner_name": "Anna Ägare", "owner_email": owner_email,
    })  # fmt: skip
    await wait_until(lambda: platform.mails_to(owner_email), timeout=20)
    confirmation = link_in(platform.mails_to(owner_email)[0], r"#token=([\w-]+)")
    firm = await call(platform.identity, "POST", "/api/v1/firms/confirm", expect=201,
                      json={"token": confirmation, "password": PASSWORD})  # fmt: skip
    staff = firm["tokens"]["access_token"]
    client = await call(platform.identity, "POST", "/api/v1/clients", staff, expect=201, json={
        "kind": "company", "name": "Kund AB", "contacts": [{
            "first_name": "Erik", "last_name": "Kund", "email": customer_email,
            "roles": ["operational", "commercial"], "primary": True, "language": "sv",
        }],
    })  # fmt: skip
    contact_id = client["contacts"][0]["id"]
    await call(platform.identity, "PUT", f"/api/v1/contacts/{contact_id}/portal-access", staff,
               json={"enabled": True})  # fmt: skip

    # The invitation arrives by mail; its link lets the customer set a password.
    await wait_until(lambda: platform.mails_to(customer_email), timeout=20)
    invitation = link_in(platform.mails_to(customer_email)[0], r"#token=([\w-]+)")
    await call(platform.identity, "POST", "/api/v1/auth/register",
               json={"token": invitation, "password": PASSWORD})  # fmt: skip
    signed_in = await call(platform.identity, "POST", "/api/v1/auth/sign-in", json={
        "email": customer_email, "password": PASSWORD, "client_id": client["id"],
    })  # fmt: skip
    customer = signed_in["access_token"]

    # Staff share a folder the customer may upload into; the customer uploads a PDF.
    folder = await eventually(
        platform.documents, "POST", f"/api/v1/clients/{client['id']}/folders", staff,
        expect=201, json={"name": "Avtal", "level": "upload", "audience": "all"},
    )  # fmt: skip
    seen = await eventually(platform.documents, "GET", f"/api/v1/clients/{client['id']}/folders",
                            customer)  # fmt: skip
    assert [f["name"] for f in seen["folders"]] == ["Avtal"]
    uploaded = await eventually(
        platform.documents, "POST", f"/api/v1/folders/{folder['id']}/documents", customer,
        expect=201, params={"name": "Avtal 2026.pdf"}, data=pdf("Avtal 2026"),
    )  # fmt: skip

    # Staff send it for signing with the customer as the signer: one credit is spent.
    signing = await call(platform.signing, "POST", "/api/v1/signings", staff, expect=201, json={
        "document_id": uploaded["id"], "language": "sv", "parties": [{
            "name": "Erik Kund", "email": customer_email, "method": "click",
            "contact_id": contact_id,
        }],
    })  # fmt: skip
    await call(platform.signing, "POST", f"/api/v1/signings/{signing['id']}/send", staff)
    account = await call(platform.billing, "GET", "/api/v1/billing/account", staff)
    assert account["balance"]["credits"] == 1

    # The signing invitation arrives by mail; the customer opens it and signs.
    def signing_mail() -> list[Any]:
        return [m for m in platform.mails_to(customer_email) if "/sign#token" in str(m)]

    await wait_until(signing_mail, timeout=20)
    invitation_text = signing_mail()[0].get_body(preferencelist=("plain",)).get_content()
    assert "Anna Ägare på Byrå & Co ber dig signera" in invitation_text  # who asks, by name
    sign_token = link_in(signing_mail()[0], r"/sign#token=([\w-]+)")
    await call(platform.signing, "GET", f"/api/v1/sign/{sign_token}")
    await call(platform.signing, "POST", f"/api/v1/sign/{sign_token}/sign",
               json={"typed_name": "Erik Kund"})  # fmt: skip

    # The sealed PDF is in the folder beside the original, and it validates.
    async def completed() -> bool:
        view = await call(platform.signing, "GET", f"/api/v1/signings/{signing['id']}", staff)
        return view["state"] == "completed"

    await wait_until(completed, timeout=30)
    listing = await call(platform.documents, "GET", f"/api/v1/folders/{folder['id']}/documents",
                         customer)  # fmt: skip
    names = sorted(d["name"] for d in listing["documents"])
    assert len(names) == 2
    assert "Avtal 2026.pdf" in names
    sealed = next(d for d in listing["documents"] if d["name"] != "Avtal 2026.pdf")
    content = await call(platform.documents, "GET", f"/api/v1/documents/{sealed['id']}/content",
                         customer)  # fmt: skip
    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    status = await async_validate_pdf_signature(signature)
    assert status.intact
    assert status.coverage.name == "ENTIRE_FILE"
