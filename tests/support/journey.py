"""The start of a firm's journey through the public API of the five services: a firm signs up
by mail, registers a customer with portal access, shares a folder with them and uploads a
file. The end-to-end tests of metrics and traces stand on it."""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from deploy.local.mail import MailCatcher
from tests.support.infra import wait_until
from tests.support.services import Running

PASSWORD = "kund-portalen-ar-trygg-2026"


@dataclass
class Firm:
    staff: str  # the owner's access token
    client_id: str
    customer_email: str
    folder_id: str


async def call(
    service: Running, method: str, path: str, token: str | None = None, expect: int = 200,
    **kw: Any,
) -> Any:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kw.pop("headers", {})
    async with service.http.request(method, path, headers=headers, **kw) as response:
        body = await response.read()
        assert response.status == expect, f"{method} {path}: {response.status} {body[:500]!r}"
        if response.content_type.endswith("json"):
            return await response.json(content_type=None)
        return body


async def eventually(
    service: Running, method: str, path: str, token: str, expect: int = 200, **kw: Any
) -> Any:
    """Retry while the service is still learning the firm's facts from identity's events."""
    answer: dict[str, Any] = {}

    async def answered() -> bool:
        headers = {"Authorization": f"Bearer {token}"}
        async with service.http.request(method, path, headers=headers, **kw) as response:
            if response.status != expect:
                return False
            answer["body"] = await response.json(content_type=None)
            return True

    await wait_until(answered, timeout=20, interval=0.2)
    return answer["body"]


def mails_to(mail: MailCatcher, address: str) -> list[Any]:
    return [m for m in mail.messages if address in m["X-Envelope-To"]]


def link_in(message: Any, pattern: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(pattern, text)
    assert found, f"no link matching {pattern} in: {text}"
    return found.group(1)


async def firm_with_a_shared_folder(services: dict[str, Running], mail: MailCatcher) -> Firm:
    identity, documents = services["identity"], services["documents"]
    tag = uuid.uuid4().hex[:8]
    owner_email, customer_email = f"owner-{tag}@firm.example", f"erik-{tag}@kund.example"
    await call(identity, "POST", "/api/v1/firms", expect=202, json={
        "name": "Byrå & Co", "country": "SE", "plan": "partner", "default_language": "sv",
        "owner_name": "Anna Ägare", "owner_email": owner_email,
    })  # fmt: skip
    await wait_until(lambda: mails_to(mail, owner_email), timeout=20)
    confirmation = link_in(mails_to(mail, owner_email)[0], r"#token=([\w-]+)")
    firm = await call(identity, "POST", "/api/v1/firms/confirm", expect=201,
                      json={"token": confirmation, "password": PASSWORD})  # fmt: skip
    staff = firm["tokens"]["access_token"]
    client = await call(identity, "POST", "/api/v1/clients", staff, expect=201, json={
        "kind": "company", "name": "Kund AB", "contacts": [{
            "first_name": "Erik", "last_name": "Kund", "email": customer_email,
            "roles": ["operational", "commercial"], "primary": True, "language": "sv",
        }],
    })  # fmt: skip
    contact_id = client["contacts"][0]["id"]
    await call(identity, "PUT", f"/api/v1/contacts/{contact_id}/portal-access", staff,
               json={"enabled": True})  # fmt: skip
    await wait_until(lambda: mails_to(mail, customer_email), timeout=20)
    folder = await eventually(
        documents, "POST", f"/api/v1/clients/{client['id']}/folders", staff,
        expect=201, json={"name": "Avtal", "level": "upload", "audience": "all"},
    )  # fmt: skip
    return Firm(staff, client["id"], customer_email, folder["id"])


async def upload(documents: Running, firm: Firm, name: str, data: bytes, **kw: Any) -> Any:
    return await call(
        documents, "POST", f"/api/v1/folders/{firm.folder_id}/documents", firm.staff,
        expect=201, params={"name": name}, data=data, **kw,
    )  # fmt: skip
