"""The access matrix: every operation of every service's OpenAPI document (read from the
running services, so a new endpoint without a row here fails), called through the gateway by
every kind of principal, with the ids of the principal's own client, of another client of the
firm and of another firm. One table holds every expected status.

A row says who gets through (`ok`), who is refused at the door whatever the id (`forbidden`,
403: a contact calling a staff route, a member calling an admin route) and who sees the thing
but may not do this to it (`refused`, 403). Everyone else signed in gets 404, exactly as for
something that does not exist; anonymous callers 401. Public operations answer the same to
everyone (`public`).

Principals are named by what they are to the ids used (`relation`): firm A's owner calling
with firm B's ids is a `stranger_staff`; B's owner calling with B's ids is an `owner`.
"""

import json as jsonlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.access.conftest import DUE, PDF, SCOPES, World
from tests.support.images import png

LOGO = png()

ADMINS = frozenset({"owner", "admin"})
STAFF = ADMINS | {"member", "unassigned"}
SEEING = ADMINS | {"member"}  # the staff who see the client
CONTACTS = frozenset({"contact", "outsider", "secret"})  # the client's own signed-in contacts
READERS = SEEING | {"contact", "secret"}  # who may read (and upload into) the shared folder
STRANGERS = frozenset({"stranger_staff", "stranger_member", "stranger_contact"})
SIGNED_IN = STAFF | CONTACTS
NOT_STAFF = CONTACTS | {"stranger_contact"}
NOT_ADMINS = NOT_STAFF | {"member", "unassigned", "stranger_member"}
HAS_ACCOUNT = SIGNED_IN - {"secret"}

# Which ids a path parameter (or a body field) ties a call to: a client's, or the firm's.
CLIENT_IDS = {"client_id", "contact_id", "folder_id", "document_id", "version_id",
              "approval_id", "upload_id", "signing_id", "request_id", "item_id", "thread_id",
              "message_id"}  # fmt: skip
FIRM_IDS = {"staff_id", "webhook_id"}
NOBODY = frozenset[str]()

Body = Callable[[dict[str, Any]], dict[str, Any]]


def no_body(ids: dict[str, Any]) -> dict[str, Any]:
    return {}


def json(**fields: Any) -> Body:
    """A JSON body; a field given as "{name}" takes the scope's id of that name."""

    def body(ids: dict[str, Any]) -> dict[str, Any]:
        return {"json": {k: _fill(v, ids) for k, v in fields.items()}}

    return body


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def new_email(ids: dict[str, Any]) -> str:
    return f"new-{uuid.uuid4().hex[:10]}@example.com"


@dataclass(frozen=True)
class Row:
    ok: frozenset[str] = NOBODY
    status: int | None = None  # what `ok` get; default: the documented success
    forbidden: frozenset[str] = NOBODY
    refused: frozenset[str] = NOBODY
    public: int | None = None  # a public operation: what everyone gets
    hidden: int = 404  # what those who may not see it get (a body naming it: 422 on its field)
    odd: tuple[tuple[str, int], ...] = ()  # (relation, status) that differ from the rule
    body: Body = no_body
    scope: str | None = None  # "client" or "firm"; default: from the path's parameters
    # What `ok` use up, so that each gets a new one: "furniture" (a folder, document,
    # approval, upload, signing), "client" (with a contact), "staff", "secret_link" (a
    # contact with one), "folder" (empty), "document" (in no signing), "request" (a
    # document request of one open item), "thread" (a message thread with the owner's one
    # unread message) or "session".
    fresh: str | None = None

    def expected(self, relation: str, success: int) -> int:
        if self.public is not None:
            return self.public
        if relation == "anonymous":
            return 401
        if relation in dict(self.odd):
            return dict(self.odd)[relation]
        if relation in self.forbidden:
            return 403
        if relation in self.ok:
            return self.status or success
        if relation in self.refused:
            return 403
        return self.hidden


def staff_only(ok: frozenset[str] = STAFF, **kw: Any) -> Row:
    """A staff route: contacts are refused at the door."""
    return Row(ok=ok, forbidden=NOT_STAFF | kw.pop("forbidden", NOBODY), **kw)


def admins_only(**kw: Any) -> Row:
    return Row(ok=ADMINS, forbidden=NOT_ADMINS, **kw)


def client_staff(**kw: Any) -> Row:
    """A staff route about one client: its staff get through, other staff see nothing."""
    return Row(ok=SEEING, forbidden=NOT_STAFF, **kw)


def everyone(**kw: Any) -> Row:
    """Anyone signed in, about themselves."""
    return Row(ok=SIGNED_IN, **kw)


BOGUS = "bogus-token-0123456789abcdef"
SECRET = "en lång och ovanlig lösenfras 2026"
BOGUS_ID = "0b6f1c0e-8a4e-4f0e-9a51-3d2b1f0c9e77"
SIGN = "/api/v1/sign/{token}"
FOLDER = "/api/v1/folders/{folder_id}"
DOCUMENT = "/api/v1/documents/{document_id}"
CONTACT = "/api/v1/contacts/{contact_id}"
WEBHOOK = "/api/v1/webhooks/{webhook_id}"
# A public address, so registration passes; nothing listens there for the matrix' events.
WEBHOOK_URL, WEBHOOK_TYPE = "https://93.184.215.14/hook", "billing.balance.depleted"
REQUEST = "/api/v1/requests/{request_id}"
ITEM = f"{REQUEST}/items/{{item_id}}"
ASKED = frozenset({"contact", "secret"})  # the request's audience, the thread's contacts
THREAD = "/api/v1/threads/{thread_id}"
MESSAGE = f"{THREAD}/messages/{{message_id}}"
NOT_AUTHOR = (SEEING - {"owner"}) | ASKED  # the world's messages are the owners'
UPLOAD = {"params": {"name": "kvitto.pdf"}, "data": PDF}
NEW_ITEM = {"title": "Kvitton", "due_date": DUE, "folder_id": "{folder_id}"}
PARTIES = [{"name": "Styrelse Ledamot", "email": "ledamot@kund.example", "method": "click",
            "order": 1}]  # fmt: skip

MATRIX: dict[str, Row] = {
    # --- identity: signing up and in (public) ---------------------------------------------
    "POST /api/v1/firms": Row(
        public=202,
        body=lambda i: {
            "json": {
                "name": "Ny Byrå",
                "country": "SE",
                "plan": "partner",
                "owner_name": "Ny Ägare",
                "owner_email": new_email(i),
            }
        },
    ),
    "POST /api/v1/firms/confirm": Row(public=410, body=json(token=BOGUS, password=SECRET)),
    "GET /api/v1/auth/jwks.json": Row(public=200),
    "POST /api/v1/auth/sign-in": Row(
        public=401, body=lambda i: {"json": {"email": new_email(i), "password": SECRET}}
    ),
    "POST /api/v1/auth/refresh": Row(public=401, body=json(refresh_token=BOGUS)),
    "POST /api/v1/auth/register": Row(public=410, body=json(token=BOGUS, password=SECRET)),
    "POST /api/v1/auth/invitation/accept": Row(public=410, body=json(token=BOGUS)),
    "POST /api/v1/auth/invitation/details": Row(public=410, body=json(token=BOGUS)),
    "POST /api/v1/auth/magic-link": Row(public=202, body=json(email="nobody@example.com")),
    "POST /api/v1/auth/magic-link/sign-in": Row(public=410, body=json(token=BOGUS)),
    "POST /api/v1/auth/password-reset": Row(public=202, body=json(email="nobody@example.com")),
    "POST /api/v1/auth/password-reset/complete": Row(
        public=410, body=json(token=BOGUS, password=SECRET)
    ),
    "POST /api/v1/auth/totp/verify": Row(public=410, body=json(challenge=BOGUS, code="123456")),
    "POST /api/v1/auth/eid/start": Row(public=201, body=json(personal_number="199001011239")),
    # An unknown order has no QR code to show, as a finished one has none.
    "POST /api/v1/auth/eid/qr": Row(public=200, body=json(order_ref=BOGUS)),
    "POST /api/v1/auth/eid/collect": Row(public=410, body=json(order_ref=BOGUS)),
    "POST /api/v1/auth/secret-link/sign-in": Row(public=410, body=json(token=BOGUS)),
    # Cookie mode needs the portal's Origin; without it the answer is the same for anyone.
    "POST /api/v1/auth/browser/refresh": Row(public=403),
    "POST /api/v1/auth/browser/sign-out": Row(public=403),
    # --- identity: the session itself -----------------------------------------------------
    "GET /api/v1/me": everyone(),
    "PUT /api/v1/me/language": everyone(body=json(language="en")),
    "POST /api/v1/auth/sign-out": everyone(fresh="session"),
    "PUT /api/v1/me/password": Row(
        ok=HAS_ACCOUNT,
        status=403,
        refused={"secret"},
        body=json(current_password="not the password at all", new_password=SECRET),
    ),
    "POST /api/v1/auth/switch": Row(
        ok=HAS_ACCOUNT,
        refused=STRANGERS | {"secret"},
        scope="firm",
        fresh="session",
        body=json(firm_id="{firm_id}", client_id="{contact_client_id}"),
    ),
    "GET /api/v1/me/invitations": Row(ok=HAS_ACCOUNT, refused={"secret"}),
    # An unknown invitation is told apart from nothing: "unknown, used or expired".
    "POST /api/v1/me/invitations/{invitation_id}/accept": Row(
        ok=HAS_ACCOUNT, status=410, refused={"secret"}, body=json()
    ),
    "PUT /api/v1/me/personal-number": Row(
        ok=HAS_ACCOUNT, status=410, refused={"secret"}, body=json(order_ref=BOGUS)
    ),
    "POST /api/v1/auth/totp": staff_only(),
    "POST /api/v1/auth/totp/confirm": staff_only(status=422, body=json(code="000000")),
    "DELETE /api/v1/auth/totp": staff_only(status=409, body=json(code="000000", password="x")),
    # --- identity: the firm and its staff -------------------------------------------------
    "GET /api/v1/firms/current": everyone(),
    "PATCH /api/v1/firms/current": admins_only(body=json(name="Byrå & Co")),
    "GET /api/v1/firms/current/portal-settings": staff_only(),
    "PUT /api/v1/firms/current/portal-settings": admins_only(
        body=json(sign_in_methods=["password", "magic_link", "secret_link"])
    ),
    # Branding and the portal address: the firm's own, whoever's token it is; public by slug.
    "GET /api/v1/firms/current/branding": everyone(),
    "PUT /api/v1/firms/current/branding": admins_only(
        body=json(display_name="Byrå & Co", primary_color="#1a5fb4", accent_color="#8a3d00")
    ),
    "PUT /api/v1/firms/current/branding/logo": admins_only(
        body=lambda i: {"data": LOGO, "headers": {"Content-Type": "image/png"}}
    ),
    "DELETE /api/v1/firms/current/branding/logo": admins_only(),
    "PUT /api/v1/firms/current/slug": admins_only(
        body=lambda i: {"json": {"slug": f"firm-{uuid.uuid4().hex[:12]}"}}
    ),
    "GET /api/v1/branding/{slug}": Row(public=404),
    "GET /api/v1/branding/{slug}/logo": Row(public=404),
    "GET /api/v1/staff": staff_only(),
    "POST /api/v1/staff": admins_only(
        body=lambda i: {"json": {"email": new_email(i), "name": "Ny", "role": "member"}}
    ),
    "PATCH /api/v1/staff/{staff_id}": admins_only(body=json(role="{staff_role}")),
    "POST /api/v1/staff/{staff_id}/deactivate": admins_only(fresh="staff"),
    "GET /api/v1/staff/{staff_id}/clients": admins_only(),
    "PUT /api/v1/staff/{staff_id}/clients/{client_id}": admins_only(),
    "DELETE /api/v1/staff/{staff_id}/clients/{client_id}": admins_only(fresh="staff"),
    # --- identity: clients and contacts ---------------------------------------------------
    "POST /api/v1/clients": admins_only(body=json(kind="company", name="Ny Kund AB")),
    "GET /api/v1/clients": staff_only(),
    "GET /api/v1/clients/{client_id}": client_staff(),
    "PATCH /api/v1/clients/{client_id}": client_staff(body=json(name="Kund AB")),
    "POST /api/v1/clients/{client_id}/archive": admins_only(fresh="client"),
    "GET /api/v1/clients/{client_id}/contacts": client_staff(),
    "PUT /api/v1/clients/{client_id}/contacts/{contact_id}": client_staff(
        body=json(roles=["operational", "commercial"], primary=True)
    ),
    "DELETE /api/v1/clients/{client_id}/contacts/{contact_id}": client_staff(fresh="client"),
    "POST /api/v1/contacts": client_staff(
        scope="client",
        hidden=422,
        body=json(first_name="Ny", last_name="Kontakt", clients=[{"client_id": "{client_id}"}]),
    ),
    # An exact address, firm-wide (like an id): any staff of the firm, nobody elsewhere.
    "GET /api/v1/contacts": staff_only(
        scope="firm", body=lambda i: {"params": {"email": i["contact_email"]}}
    ),
    f"GET {CONTACT}": client_staff(),
    f"PATCH {CONTACT}": client_staff(body=json(phone="+46701234567")),
    f"GET {CONTACT}/portal-access": client_staff(),
    f"PUT {CONTACT}/portal-access": client_staff(body=json(enabled=True)),
    f"POST {CONTACT}/invitation": client_staff(status=409, body=json()),
    # In bulk, each contact has its own outcome; one not seen is "No such contact".
    "POST /api/v1/portal-access": client_staff(
        scope="client", hidden=200, body=json(contact_ids=["{contact_id}"])
    ),
    f"GET {CONTACT}/portal-url": client_staff(),
    f"POST {CONTACT}/secret-link": client_staff(),
    f"DELETE {CONTACT}/secret-link": client_staff(fresh="secret_link"),
    # --- documents ------------------------------------------------------------------------
    "GET /api/v1/clients/{client_id}/folders": Row(ok=SEEING | CONTACTS),
    "POST /api/v1/clients/{client_id}/folders": client_staff(
        body=lambda i: {"json": {"name": f"Ny {uuid.uuid4().hex[:8]}"}}
    ),
    f"GET {FOLDER}": Row(ok=READERS),
    f"PATCH {FOLDER}": client_staff(body=json(level="upload")),
    f"PUT {FOLDER}/access": Row(
        ok=SEEING,
        refused={"contact", "secret"},
        body=json(level="upload", audience="{audience}"),
    ),
    f"DELETE {FOLDER}": client_staff(fresh="folder"),
    f"POST {FOLDER}/documents": Row(
        ok=READERS, body=lambda i: {"params": {"name": f"{uuid.uuid4().hex[:8]}.pdf"}, "data": PDF}
    ),
    f"GET {FOLDER}/documents": Row(ok=READERS),
    f"POST {FOLDER}/uploads": Row(ok=READERS, body=json(name="stor.pdf", size=6_000_000)),
    f"GET {DOCUMENT}": Row(ok=READERS),
    f"PATCH {DOCUMENT}": client_staff(body=json(name="omdöpt.pdf")),
    f"POST {DOCUMENT}/finalise": client_staff(fresh="furniture"),
    f"GET {DOCUMENT}/versions": Row(ok=READERS),
    f"DELETE {DOCUMENT}": Row(ok=SEEING, refused={"contact", "secret"}, fresh="furniture"),
    f"DELETE {DOCUMENT}/versions/{{version_id}}": Row(
        ok=SEEING, status=409, refused={"contact", "secret"}
    ),
    f"GET {DOCUMENT}/content": Row(ok=READERS),
    f"GET {DOCUMENT}/access-log": client_staff(),
    f"POST {DOCUMENT}/comments": Row(ok=READERS, body=json(body="Tack!")),
    f"GET {DOCUMENT}/comments": Row(ok=READERS),
    f"POST {DOCUMENT}/approvals": client_staff(body=json(message="Godkänner du?")),
    f"GET {DOCUMENT}/approvals": Row(ok=READERS),
    "POST /api/v1/approvals/{approval_id}/answer": Row(
        ok={"contact", "secret"},
        forbidden=STAFF | {"stranger_staff", "stranger_member"},
        fresh="furniture",
        body=json(answer="accepted"),
    ),
    "GET /api/v1/clients/{client_id}/news": Row(ok=SEEING | CONTACTS),
    "GET /api/v1/clients/{client_id}/approvals/waiting": Row(ok=SEEING | CONTACTS),
    # Across the clients each sees: a member without clients gets an empty list.
    "GET /api/v1/approvals/waiting": staff_only(),
    "POST /api/v1/clients/{client_id}/visits": Row(ok=SEEING | CONTACTS),
    "PUT /api/v1/uploads/{upload_id}/parts/{number}": Row(
        ok={"owner"}, body=lambda i: {"data": PDF.ljust(6_000_000, b"\n")}
    ),
    "GET /api/v1/uploads/{upload_id}": Row(ok={"owner"}),
    "POST /api/v1/uploads/{upload_id}/complete": Row(ok={"owner"}),
    "DELETE /api/v1/uploads/{upload_id}": Row(ok={"owner"}, fresh="furniture"),
    # Document requests: the world's request asks the shared folder's audience for one item.
    "POST /api/v1/clients/{client_id}/requests": client_staff(
        body=json(title="Underlag", items=[NEW_ITEM])
    ),
    # The client's other contacts see the list, without the requests not asking them.
    "GET /api/v1/clients/{client_id}/requests": Row(ok=SEEING | CONTACTS),
    "GET /api/v1/requests": staff_only(),
    f"GET {REQUEST}": Row(ok=SEEING | ASKED),
    f"PATCH {REQUEST}": client_staff(body=json(title="Nytt underlag")),
    f"POST {REQUEST}/close": client_staff(fresh="request"),
    f"POST {REQUEST}/cancel": client_staff(fresh="request"),
    f"POST {REQUEST}/items": client_staff(body=json(**NEW_ITEM)),
    f"PATCH {ITEM}": client_staff(body=json(title="Kontoutdrag december")),
    f"DELETE {ITEM}": client_staff(fresh="request"),
    # Nothing is submitted against the world's items until a contact uploads: 409 to staff.
    # (fresh: a contact's upload in this run may have submitted the world's own item).
    f"POST {ITEM}/accept": client_staff(status=409, fresh="request"),
    f"POST {ITEM}/return": client_staff(
        status=409, fresh="request", body=json(reason="Sida saknas")
    ),
    f"POST {ITEM}/files": Row(
        ok=ASKED,
        forbidden=STAFF | {"stranger_staff", "stranger_member"},
        body=lambda i: {"params": {"name": f"{uuid.uuid4().hex[:8]}.pdf"}, "data": PDF},
    ),
    # Message threads: the world's thread includes the shared folder's audience.
    "PUT /api/v1/clients/{client_id}/threads/folder": client_staff(
        body=json(folder_id="{folder_id}")
    ),
    "GET /api/v1/clients/{client_id}/threads/folder": Row(ok=SEEING | CONTACTS),
    # Staff include contacts; a contact's own thread includes them and names nobody (422).
    "POST /api/v1/clients/{client_id}/threads": Row(
        ok=SEEING,
        odd=tuple((c, 422) for c in sorted(CONTACTS)),
        body=json(subject="Fråga", body="Hej", contacts="{audience}"),
    ),
    "GET /api/v1/clients/{client_id}/threads": Row(ok=SEEING | CONTACTS),
    f"GET {THREAD}": Row(ok=SEEING | ASKED),
    f"POST {THREAD}/messages": Row(ok=SEEING | ASKED, body=json(body="Tack!")),
    f"PATCH {MESSAGE}": Row(ok={"owner"}, refused=NOT_AUTHOR, body=json(body="Hej igen!")),
    f"DELETE {MESSAGE}": Row(ok={"owner"}, refused=NOT_AUTHOR, fresh="thread"),
    f"POST {THREAD}/read": Row(ok=SEEING | ASKED),
    f"POST {THREAD}/files": Row(ok=SEEING | ASKED, body=lambda i: dict(UPLOAD)),
    # --- signing --------------------------------------------------------------------------
    "GET /api/v1/signings/needs-attention": everyone(),
    # Signing keeps no replica of clients: to an owner, a client it cannot see is one with
    # no signing requests (nothing leaks; a member's unassigned client is 404).
    "GET /api/v1/signings": client_staff(
        scope="client",
        odd=(("stranger_staff", 200),),
        body=lambda i: {"params": {"client_id": i["client_id"]}},
    ),
    "POST /api/v1/signings": client_staff(
        scope="client", fresh="document", body=json(document_id="{document_id}", parties=PARTIES)
    ),
    "GET /api/v1/signings/{signing_id}": Row(ok=SEEING),
    "POST /api/v1/signings/{signing_id}/send": client_staff(fresh="furniture"),
    "POST /api/v1/signings/{signing_id}/cancel": client_staff(fresh="furniture", body=json()),
    # The world's requests are drafts: nobody to remind yet.
    "POST /api/v1/signings/{signing_id}/remind": client_staff(status=409),
    "GET /api/v1/signings/{signing_id}/signed.pdf": Row(ok=SEEING, status=404),
    # Only a contact who is a party gets a link; the drafts' one party is no contact.
    "POST /api/v1/signings/{signing_id}/party-link": Row(
        forbidden=STAFF | {"stranger_staff", "stranger_member"}
    ),
    "POST /api/v1/verify": Row(
        public=200, body=lambda i: {"data": PDF, "headers": {"Content-Type": "application/pdf"}}
    ),
    f"GET {SIGN}": Row(public=404),
    f"GET {SIGN}/document": Row(public=404),
    f"GET {SIGN}/attachments/{{index}}": Row(public=404),
    f"GET {SIGN}/copy": Row(public=404),
    f"POST {SIGN}/code": Row(public=404),
    f"POST {SIGN}/code/verify": Row(public=404, body=json(code="123456")),
    f"POST {SIGN}/eid": Row(public=404),
    f"POST {SIGN}/eid/collect": Row(public=404, body=json(order_ref=BOGUS)),
    f"POST {SIGN}/sign": Row(public=404, body=json(typed_name="Ledamot")),
    f"POST {SIGN}/decline": Row(public=404, body=json(reason="Nej")),
    # --- notify ---------------------------------------------------------------------------
    "GET /api/v1/me/notification-preferences": everyone(),
    "PATCH /api/v1/me/notification-preferences": everyone(
        body=json(categories={"documents": "immediate"})
    ),
    "GET /api/v1/notifications": everyone(),
    "POST /api/v1/notifications/read": everyone(),
    "POST /api/v1/notifications/{notification_id}/read": Row(),
    "GET /api/v1/webhooks": admins_only(),
    "POST /api/v1/webhooks": admins_only(body=json(url=WEBHOOK_URL, event_types=[WEBHOOK_TYPE])),
    "GET /api/v1/webhooks/event-types": admins_only(),
    f"GET {WEBHOOK}": admins_only(),
    f"PATCH {WEBHOOK}": admins_only(body=json(description="ERP")),
    f"DELETE {WEBHOOK}": admins_only(fresh="webhook"),
    f"POST {WEBHOOK}/secret": admins_only(),
    f"GET {WEBHOOK}/deliveries": admins_only(),
    # No delivery of that id: the endpoint's admins learn so, everyone else as for the endpoint.
    f"POST {WEBHOOK}/deliveries/{{delivery_id}}/resend": admins_only(status=404),
    f"POST {WEBHOOK}/resend": admins_only(body=json(since="2026-01-01T00:00:00Z")),
    # The firm's audit log: its owners and admins, each of their own firm (the token's).
    "GET /api/v1/audit/entries": admins_only(),
    "GET /api/v1/audit/verify": admins_only(),
    "GET /api/v1/audit/export": admins_only(body=lambda i: {"params": {"format": "jsonl"}}),
    # --- billing --------------------------------------------------------------------------
    "GET /api/v1/billing/prices": Row(public=200),
    "GET /api/v1/billing/balance": staff_only(),
    "GET /api/v1/billing/account": admins_only(),
    "PUT /api/v1/billing/plan": admins_only(body=json(plan="partner")),
    "POST /api/v1/billing/storage-blocks": admins_only(body=json(quantity=1)),
    "POST /api/v1/billing/storage-blocks/cancellations": admins_only(body=json(quantity=1)),
    "POST /api/v1/billing/credit-purchases": admins_only(body=json(pack="10")),
    "GET /api/v1/billing/ledger": admins_only(),
    "GET /api/v1/billing/statements/{month}": admins_only(),
}


# Values of the path parameters that name no id of the world.
CONSTANTS = {"token": BOGUS, "number": "1", "index": "0", "month": "2026-01",
             "invitation_id": BOGUS_ID, "notification_id": BOGUS_ID,
             "delivery_id": BOGUS_ID, "slug": "no-firm-has-this"}  # fmt: skip
PRINCIPALS = ["anonymous", "owner", "admin", "member", "unassigned", "contact", "outsider",
              "other_client", "secret", "foreign_staff", "foreign_contact"]  # fmt: skip
HOME = {"foreign_staff": "owner", "foreign_contact": "contact", "other_client": "contact"}
# Staff elsewhere keep their role: a member is refused an admin route whatever the id.
STRANGER = {"owner": "stranger_staff", "admin": "stranger_staff", "foreign_staff": "stranger_staff",
            "member": "stranger_member", "unassigned": "stranger_member"}  # fmt: skip


OTHER_CLIENT = {"owner": "owner", "admin": "admin", "member": "unassigned",
                "unassigned": "unassigned", "other_client": "contact"}  # fmt: skip


def relation(principal: str, scope: str, kind: str | None) -> str:
    """What the principal is to the ids of `scope` (see the module's docstring)."""
    if principal == "anonymous":
        return principal
    home = HOME.get(principal, principal)  # in their own firm, for their own client
    if kind is None:
        return home
    stranger = STRANGER.get(principal, "stranger_contact")
    if (scope == "other_firm") != principal.startswith("foreign_"):
        return stranger
    if scope == "other_firm" or kind == "firm":
        return home
    if scope == "own":
        return "stranger_contact" if principal == "other_client" else principal
    return OTHER_CLIENT.get(principal, stranger)


def kind_of(template: str, row: Row) -> str | None:
    names = set(re.findall(r"{(\w+)}", template))
    if names & CLIENT_IDS:
        return "client"
    if names & FIRM_IDS:
        return "firm"
    return row.scope


def scopes_of(kind: str | None) -> tuple[str, ...]:
    return {"client": SCOPES, "firm": ("own", "other_firm"), None: ("own",)}[kind]


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    template: str
    success: int  # the documented 2xx


async def live_operations(world: World) -> list[Operation]:
    """Every operation of every running service's own /openapi.json."""
    found = []
    for service, url in world.portal.services.items():
        async with world.portal.http.get(f"{url}/openapi.json") as response:
            document = await response.json()
        for template, item in document["paths"].items():
            for method, operation in item.items():
                if template in INTERNAL:
                    continue
                success = min(int(s) for s in operation["responses"] if s.startswith("2"))
                found.append(Operation(service, method.upper(), template, success))
    return found


INTERNAL = {"/healthz", "/readyz", "/openapi.json"}


async def answer(
    world: World, token: str | None, op: Operation, row: Row, ids: dict[str, Any]
) -> tuple[int, str]:
    path = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), op.template)
    options = row.body(ids)
    headers = options.pop("headers", {}) | ({"Authorization": f"Bearer {token}"} if token else {})
    async with world.portal.http.request(
        op.method, world.portal.url + path, headers=headers, allow_redirects=False, **options
    ) as response:
        body = await response.read()
        return response.status, f"{response.content_type} {body[:160]!r}"


async def cell(
    world: World, op: Operation, row: Row, scope: str, principal: str,
    ids: dict[str, Any] | None = None,
) -> str | None:  # fmt: skip
    """One call (with the scope's ids, or `ids`); what is wrong with its answer, if any."""
    kind = kind_of(op.template, row)
    who = relation(principal, scope, kind)
    expected = row.expected(who, op.success)
    ids = (ids or world.ids[scope]) | CONSTANTS | world.about(principal)
    token = world.tokens[principal]
    if row.fresh and who in row.ok:
        if row.fresh == "session":
            token = await world.session(principal)
        else:
            ids |= await world.fresh(scope, row.fresh)
    got, said = await answer(world, token, op, row, ids)
    if got == expected:
        return None
    return f"{op.method} {op.template} [{scope}] {principal} ({who}): {got} not {expected}: {said}"


# Every operation times every principal: some minutes on a busy machine, past the default.
@pytest.mark.timeout(900)
async def test_every_operation_answers_every_principal_as_the_table_says(world: World) -> None:
    operations = await live_operations(world)
    names = {f"{o.method} {o.template}" for o in operations}
    assert sorted(names - set(MATRIX)) == [], "operations without a row in MATRIX"
    assert sorted(set(MATRIX) - names) == [], "rows of operations that no longer exist"
    wrong = []
    for op in operations:
        row = MATRIX[f"{op.method} {op.template}"]
        for scope in scopes_of(kind_of(op.template, row)):
            for principal in PRINCIPALS:
                problem = await cell(world, op, row, scope, principal)
                if problem:
                    wrong.append(problem)
    assert wrong == [], f"{len(wrong)} wrong:\n" + "\n".join(wrong)


# The same operations on C1's other folders: (operation, path parameter → id of `ids["own"]`,
# row). These are the rules of folder access (documents' domain) seen from outside.
VARIANTS: dict[str, tuple[str, dict[str, str], Row]] = {
    "uploading into a read-only folder": (
        f"POST {FOLDER}/documents", {"folder_id": "read_folder_id"},
        Row(ok=SEEING, refused=CONTACTS,
            body=lambda i: {"params": {"name": f"{uuid.uuid4().hex[:8]}.pdf"}, "data": PDF}),
    ),
    "listing a read-only folder": (
        f"GET {FOLDER}/documents", {"folder_id": "read_folder_id"}, Row(ok=READERS | {"outsider"})
    ),
    "reading a document in a read-only folder": (
        f"GET {DOCUMENT}/content", {"document_id": "read_document_id"},
        Row(ok=READERS | {"outsider"}),
    ),
    "downloading by redirect": (
        f"GET {DOCUMENT}/content", {},
        Row(ok=READERS, status=302, body=lambda i: {"params": {"redirect": "true"}}),
    ),
    "a folder closed to customers": (f"GET {FOLDER}", {"folder_id": "closed_folder_id"},
                                     Row(ok=SEEING)),
}  # fmt: skip


async def test_the_folder_rules_hold_in_every_kind_of_folder(world: World) -> None:
    operations = {f"{o.method} {o.template}": o for o in await live_operations(world)}
    wrong = []
    for name, (key, renamed, row) in VARIANTS.items():
        ids = world.ids["own"] | {k: world.ids["own"][v] for k, v in renamed.items()}
        for principal in PRINCIPALS:
            problem = await cell(world, operations[key], row, "own", principal, ids)
            if problem:
                wrong.append(f"{name}: {problem}")
    assert wrong == [], f"{len(wrong)} wrong:\n" + "\n".join(wrong)


async def test_branding_is_the_firms_own_and_public_by_address_only_in_part(world: World) -> None:
    """Firm A's admins brand A; B's owner changing "current" branding changes B's, never A's;
    everyone, signed in anywhere or not, reads A's address alike, and it shows nothing but
    public branding."""
    portal, owner, foreign = world.portal, world.tokens["owner"], world.tokens["foreign_staff"]
    slug = f"firm-{uuid.uuid4().hex[:12]}"
    await portal.call("PUT", "/api/v1/firms/current/slug", owner, json={"slug": slug})
    look = {"display_name": "Byrå A", "primary_color": "#1a5fb4"}
    await portal.call("PUT", "/api/v1/firms/current/branding", owner, json=look)
    logo = {"data": LOGO, "headers": {"Content-Type": "image/png"}}
    await portal.call("PUT", "/api/v1/firms/current/branding/logo", owner, **logo)
    other = {"display_name": "Kapad", "primary_color": "#000000"}
    await portal.call("PUT", "/api/v1/firms/current/branding", foreign, json=other)
    seen = {await _public(world, slug, world.tokens[who]) for who in PRINCIPALS}
    assert len(seen) == 1
    (body,) = seen
    assert '"display_name":"Byrå A"' in body
    assert '"primary_color":"#1a5fb4"' in body
    for private in (world.ids["own"]["firm_id"], world.ids["other_firm"]["firm_id"], "Kapad"):
        assert str(private) not in body
    logo_bytes = await portal.call("GET", f"/api/v1/branding/{slug}/logo")
    assert logo_bytes == LOGO


async def _public(world: World, slug: str, token: str | None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{world.portal.url}/api/v1/branding/{slug}"
    async with world.portal.http.get(url, headers=headers) as response:
        assert response.status == 200
        return json_text(await response.json())


def json_text(value: Any) -> str:
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
