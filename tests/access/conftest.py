"""The platform as a client meets it, for the access matrix and the fuzzing: the platform as
deployed (tests/support/processes.py: every service two processes behind the real nginx
gateway, no web app), and one world built through the public API as the firms themselves
would (sign-up and invitations from the mailed links).

Two firms. Firm A has clients C1 and C2; firm B one client. Principals, by name:
owner, admin, member (assigned C1), unassigned (a member with no client), contact (C1, in the
shared folder's audience), outsider (C1, not in it), other_client (C2's contact), secret (C1's
contact signed in by the firm's secret link), foreign_staff (B's owner), foreign_contact (B's
client's contact), anonymous. Each client has the same furniture (a folder its contact may
upload into, a document with a version, an approval request, a multipart upload, a signing
draft): `ids["own"]` are C1's, `ids["other_client"]` C2's, `ids["other_firm"]` B's client's.
C1 also has a folder its contacts may only read, with a document, and one closed to them.
"""

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from reportlab.pdfgen import canvas

from deploy.local.s3 import S3Server
from tests.support.infra import Postgres, Rabbit
from tests.support.processes import running_platform
from tests.web.portal import PASSWORD, Customer, Portal, firm_with_customer

# Cheap hashing and no limits: every caller is 127.0.0.1 here; the limits have their own tests.
IDENTITY = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 1024,
    "mail_per_address": 100_000,
    "mail_per_target": 100_000,
    "hashing_per_address": 100_000,
    "eid_per_address": 100_000,
    "eid_per_number": 100_000,
    "failures_per_account": 100_000,
    "failures_per_source": 100_000,
    "failures_before_slowdown": 100_000,
}
# A staff request naming a client documents (or signing, for a member) has not heard of waits
# this long before its 404
# (the matrix and the fuzzing name many such ids on purpose).
DOCUMENTS = {"replica_wait_seconds": 0.3}
SCOPES = ("own", "other_client", "other_firm")


def pdf(title: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, title)
    page.showPage()
    page.save()
    return out.getvalue()


PDF = pdf("Avtal")
# A document request's items are due a while ahead (one due in the past is refused).
DUE = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
async def platform(
    postgres: Postgres, rabbit: Rabbit, s3: S3Server, workdir: Path
) -> AsyncIterator[Portal]:
    """The platform as deployed (every service two processes behind the real gateway), seen
    as a Portal: the gateway, the mail, and each service's own address (its first replica)
    for reading its OpenAPI document."""
    # The plans' own storage (the harness shrinks them for the storage journey).
    billing = {"plan_included_bytes": {"partner": 10**9, "bureau": 5 * 10**9}}
    overrides = {
        "identity": IDENTITY, "documents": DOCUMENTS, "signing": DOCUMENTS, "billing": billing
    }  # fmt: skip
    async with (
        running_platform(postgres, rabbit, s3, workdir, overrides) as running,
        aiohttp.ClientSession() as http,
    ):
        own = {name: group[0].url for name, group in running.replicas.items()}
        logs = running.replicas["identity"][0].log.parent
        yield Portal(running.url, running.mail, http, logs, services=own)


@dataclass
class Firm:
    """A firm as its owner set it up: `customer` is C1's contact, with portal access."""

    owner: str  # the owner's access token
    customer: Customer


@dataclass
class World:
    portal: Portal
    tokens: dict[str, str | None]  # principal → access token (anonymous: None)
    ids: dict[str, dict[str, Any]]  # scope → path parameter (or body field) → id
    owners: dict[str, str]  # scope → the token of an owner who sees its ids
    logins: dict[str, tuple[str, dict[str, Any]]]  # principal → sign-in path and body
    clients: dict[str, str | None]  # principal → the client a contact acts for

    def about(self, principal: str) -> dict[str, Any]:
        """Body fields that name the caller's own context."""
        return {"contact_client_id": self.clients.get(principal)}

    async def session(self, principal: str) -> str:
        """A new session of the principal, for a call that ends it."""
        path, body = self.logins[principal]
        return (await self.portal.call("POST", path, json=body))["access_token"]

    async def fresh(self, scope: str, what: str) -> dict[str, Any]:
        """New ids of the scope, for a call that uses them up (a deletion): `what` names
        them (see `Row.fresh` in test_matrix.py)."""
        owner, ids = self.owners[scope], self.ids[scope]
        if what == "staff":
            return {"staff_id": await invite_staff(self.portal, owner, "member")}
        if what == "webhook":
            return {"webhook_id": await webhook(self.portal, owner)}
        if what == "client":
            return await self._client(scope)
        if what == "secret_link":
            contact_id = await contact(self.portal, owner, ids["client_id"])
            await self.portal.call("POST", f"/api/v1/contacts/{contact_id}/secret-link", owner,
                                   expect=201)  # fmt: skip
            return {"contact_id": contact_id}
        if what == "folder":
            folder = await self.portal.eventually(
                "POST", f"/api/v1/clients/{ids['client_id']}/folders", owner, expect=201,
                json={"name": f"Tom {uuid.uuid4().hex[:6]}"},
            )  # fmt: skip
            return {"folder_id": folder["id"]}
        if what == "thread":
            return await start_thread(self.portal, owner, ids["client_id"], ids["audience"])
        if what == "request":
            return await ask_for_documents(self.portal, owner, ids["client_id"], ids["folder_id"],
                                           ids["audience"])  # fmt: skip
        if what == "document":
            document = await upload(self.portal, owner, ids["folder_id"])
            return {"document_id": document["id"]}
        return await furnish(self.portal, owner, ids["client_id"], ids["audience"])

    async def _client(self, scope: str) -> dict[str, Any]:
        """A new client with a contact, seen by the member where the scope's client is."""
        owner = self.owners[scope]
        made = await self.portal.call("POST", "/api/v1/clients", owner, expect=201, json={
            "kind": "individual", "name": "Ny Kund",
            "contacts": [{"first_name": "Ny", "last_name": "Kund"}],
        })  # fmt: skip
        if scope == "own":
            member = self.ids["own"]["staff_id"]
            await self.portal.call("PUT", f"/api/v1/staff/{member}/clients/{made['id']}", owner,
                                   expect=204)  # fmt: skip
        return {"client_id": made["id"], "contact_id": made["contacts"][0]["id"]}


async def register(portal: Portal, email: str) -> dict[str, Any]:
    """The person registers from the invitation mailed to them; their tokens."""
    token = (await portal.link(email, "/register")).rsplit("#token=", 1)[1]
    return await portal.call(
        "POST", "/api/v1/auth/register", json={"token": token, "password": PASSWORD}
    )


async def webhook(portal: Portal, owner: str) -> str:
    """A webhook endpoint of the owner's firm, at a public address nothing here answers."""
    body = {"url": "https://93.184.215.14/hook", "event_types": ["billing.balance.depleted"]}
    return (await portal.call("POST", "/api/v1/webhooks", owner, expect=201, json=body))["id"]


async def invite_staff(portal: Portal, owner: str, role: str, email: str | None = None) -> str:
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@firm.example"
    body = {"email": email, "name": role.title(), "role": role}
    invited = await portal.call("POST", "/api/v1/staff", owner, expect=201, json=body)
    return invited["id"]


async def staff(portal: Portal, owner: str, role: str) -> tuple[str, str, str]:
    """A staff member invited by the owner who registered: (staff id, token, email)."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@firm.example"
    staff_id = await invite_staff(portal, owner, role, email)
    tokens = await register(portal, email)
    return staff_id, tokens["access_token"], email


async def contact(portal: Portal, owner: str, client_id: str, *, invite: bool = True) -> str:
    """A new contact of the client; with `invite`, given portal access (not registered)."""
    email = f"contact-{uuid.uuid4().hex[:8]}@kund.example"
    made = await portal.call("POST", "/api/v1/contacts", owner, expect=201, json={
        "first_name": "Karin", "last_name": "Kontakt", "email": email, "language": "en",
        "clients": [{"client_id": client_id, "roles": ["employee"]}],
    })  # fmt: skip
    if invite:
        await portal.call("PUT", f"/api/v1/contacts/{made['id']}/portal-access", owner,
                          json={"enabled": True})  # fmt: skip
    return made["id"]


async def registered_contact(portal: Portal, owner: str, client_id: str) -> tuple[str, str]:
    """A contact with portal access who registered: (contact id, email)."""
    contact_id = await contact(portal, owner, client_id)
    email = (await portal.call("GET", f"/api/v1/contacts/{contact_id}", owner))["email"]
    await register(portal, email)
    return contact_id, email


async def furnish(
    portal: Portal, owner: str, client_id: str, audience: list[str]
) -> dict[str, str]:
    """A client's furniture as its staff make it: ids by the path parameter naming them."""
    folder = await portal.eventually(
        "POST", f"/api/v1/clients/{client_id}/folders", owner, expect=201,
        json={"name": f"Avtal {uuid.uuid4().hex[:6]}", "level": "upload", "audience": audience},
    )  # fmt: skip
    document = await upload(portal, owner, folder["id"])
    approval = await portal.call("POST", f"/api/v1/documents/{document['id']}/approvals", owner,
                                 expect=201, json={"message": "Ok?"})  # fmt: skip
    multipart = await portal.call("POST", f"/api/v1/folders/{folder['id']}/uploads", owner,
                               expect=201, json={"name": "stor.pdf", "size": 6_000_000},
    )  # fmt: skip
    versions = await portal.call("GET", f"/api/v1/documents/{document['id']}/versions", owner)
    request = await ask_for_documents(portal, owner, client_id, folder["id"], audience)
    await portal.call("PUT", f"/api/v1/clients/{client_id}/threads/folder", owner,
                      json={"folder_id": folder["id"]})  # fmt: skip
    thread = await start_thread(portal, owner, client_id, audience)
    signing = await portal.eventually("POST", "/api/v1/signings", owner, expect=201, json={
        "document_id": document["id"],
        "parties": [{"name": "Styrelse Ledamot", "email": "ledamot@kund.example",
                     "method": "click", "order": 1}],
    })  # fmt: skip
    return {
        "client_id": client_id, "folder_id": folder["id"], "document_id": document["id"],
        "version_id": versions["versions"][0]["id"], "approval_id": approval["id"],
        "upload_id": multipart["id"], "signing_id": signing["id"], **request, **thread,
    }  # fmt: skip


async def start_thread(
    portal: Portal, owner: str, client_id: str, audience: list[str]
) -> dict[str, str]:
    """A message thread including the audience, with the owner's first message; its ids."""
    body = {"subject": "Bokslut", "body": "Hej!", "contacts": audience}
    made = await portal.call(
        "POST", f"/api/v1/clients/{client_id}/threads", owner, expect=201, json=body
    )
    return {"thread_id": made["id"], "message_id": made["messages"][0]["id"]}


async def ask_for_documents(
    portal: Portal, owner: str, client_id: str, folder_id: str, audience: list[str]
) -> dict[str, str]:
    """A document request of one item, asking the audience; its ids. The contacts' portal
    access reaches documents by identity's events: retried until then."""
    made = await portal.eventually("POST", f"/api/v1/clients/{client_id}/requests", owner,
                                   expect=201, json={
        "title": "Underlag", "audience": audience,
        "items": [{"title": "Kontoutdrag", "due_date": DUE, "folder_id": folder_id}],
    })  # fmt: skip
    return {"request_id": made["id"], "item_id": made["items"][0]["id"]}


async def upload(portal: Portal, owner: str, folder_id: str) -> dict[str, Any]:
    return await portal.eventually(
        "POST", f"/api/v1/folders/{folder_id}/documents", owner, expect=201,
        params={"name": f"avtal-{uuid.uuid4().hex[:6]}.pdf"}, data=PDF,
    )  # fmt: skip


async def new_firm(portal: Portal) -> Firm:
    customer = await firm_with_customer(portal)
    return Firm(customer.staff_token, customer)


async def build(portal: Portal) -> World:
    firm, foreign = await asyncio.gather(new_firm(portal), new_firm(portal))
    a, b = firm.customer, foreign.customer
    owner = firm.owner
    methods = {"sign_in_methods": ["password", "magic_link", "secret_link"]}
    await portal.call("PUT", "/api/v1/firms/current/portal-settings", owner, json=methods)
    other_client = await portal.call("POST", "/api/v1/clients", owner, expect=201,
                                     json={"kind": "company", "name": "Annan Kund AB"})  # fmt: skip
    c2 = other_client["id"]
    admin, member, unassigned = await asyncio.gather(
        staff(portal, owner, "admin"), staff(portal, owner, "member"),
        staff(portal, owner, "member"),
    )  # fmt: skip
    await portal.call("PUT", f"/api/v1/staff/{member[0]}/clients/{a.client_id}", owner,
                      expect=204)  # fmt: skip
    outsider, other, secret_id = await asyncio.gather(
        registered_contact(portal, owner, a.client_id), registered_contact(portal, owner, c2),
        contact(portal, owner, a.client_id),
    )  # fmt: skip
    link = await portal.call("POST", f"/api/v1/contacts/{secret_id}/secret-link", owner,
                             expect=201)  # fmt: skip
    secret_login = ("/api/v1/auth/secret-link/sign-in",
                    {"token": link["url"].rsplit("#token=", 1)[1]})  # fmt: skip
    audiences = {"own": [a.contact_id, secret_id], "other_client": [other[0]],
                 "other_firm": [b.contact_id]}  # fmt: skip
    own, other_ids, foreign_ids = await asyncio.gather(
        furnish(portal, owner, a.client_id, audiences["own"]),
        furnish(portal, owner, c2, audiences["other_client"]),
        furnish(portal, foreign.owner, b.client_id, audiences["other_firm"]),
    )  # fmt: skip
    logins = {
        "owner": _password(a.owner), "admin": _password(admin[2]),
        "member": _password(member[2]), "unassigned": _password(unassigned[2]),
        "contact": _password(a.email, a.client_id), "outsider": _password(outsider[1], a.client_id),
        "other_client": _password(other[1], c2), "secret": secret_login,
        "foreign_staff": _password(b.owner), "foreign_contact": _password(b.email, b.client_id),
    }  # fmt: skip
    world = World(portal, {"anonymous": None}, {}, {}, logins, {
        "contact": a.client_id, "outsider": a.client_id, "other_client": c2,
        "secret": a.client_id, "foreign_contact": b.client_id,
    })  # fmt: skip
    for name in logins:
        world.tokens[name] = await world.session(name)
    foreign_owner = await person_id(portal, foreign.owner)
    own_hook, foreign_hook = await webhook(portal, owner), await webhook(portal, foreign.owner)
    folders = f"/api/v1/clients/{a.client_id}/folders"
    closed = await portal.call("POST", folders, owner, expect=201,
                               json={"name": "Styrelse", "level": "none"})  # fmt: skip
    readable = {"name": "Bokslut", "level": "read", "audience": "all"}
    read = await portal.call("POST", folders, owner, expect=201, json=readable)
    read_document = await upload(portal, owner, read["id"])
    world.ids = {
        "own": own | {"contact_id": a.contact_id, "contact_email": a.email,
                      "staff_id": member[0], "staff_role": "member", "webhook_id": own_hook,
                      "firm_id": a.firm_id, "audience": audiences["own"],
                      "closed_folder_id": closed["id"], "read_folder_id": read["id"],
                      "read_document_id": read_document["id"]},
        "other_client": other_ids | {"contact_id": other[0], "contact_email": other[1],
                                     "firm_id": a.firm_id,
                                     "staff_id": admin[0], "staff_role": "admin",
                                     "webhook_id": own_hook,
                                     "audience": audiences["other_client"]},
        "other_firm": foreign_ids | {"contact_id": b.contact_id, "contact_email": b.email,
                                     "staff_id": foreign_owner, "webhook_id": foreign_hook,
                                     "staff_role": "owner", "firm_id": b.firm_id,
                                     "audience": audiences["other_firm"]},
    }  # fmt: skip
    world.owners = {"own": owner, "other_client": owner, "other_firm": foreign.owner}
    return world


def _password(email: str, client_id: str | None = None) -> tuple[str, dict[str, Any]]:
    body = {"email": email, "password": PASSWORD} | ({"client_id": client_id} if client_id else {})
    return "/api/v1/auth/sign-in", body


async def person_id(portal: Portal, token: str) -> str:
    """The id of the staff member or contact the token is for."""
    return (await portal.call("GET", "/api/v1/me", token))["context"]["person_id"]


@pytest.fixture(scope="module")
async def world(platform: Portal) -> World:
    return await build(platform)
