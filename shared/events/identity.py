"""Messages produced by (or addressed to) the identity service.

The firm is the envelope's `firm_id`. Person ids (`staff_id`, `contact_id`) are the `sub` of
that person's access tokens in that firm. No secrets and no personal identity numbers here.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event, Reply, Request, message

StaffRole = Literal["owner", "admin", "member"]
RelationshipRole = Literal["commercial", "operational", "employee"]
Language = Literal["sv", "en", "de", "es"]


@message("identity.firm.created", 1)
class FirmCreated(Event):
    """A firm signed up; billing opens its account from this."""

    firm_id: UUID
    name: str
    country: str
    plan: Literal["partner", "bureau"]
    default_language: Language
    owner_id: UUID


@message("identity.firm.updated", 1)
class FirmUpdated(Event):
    firm_id: UUID
    name: str
    default_language: Language


@message("identity.firm.branding_changed", 1)
class FirmBrandingChanged(Event):
    """The firm's branding or portal address changed; the whole current branding, public
    facts only. A null `display_name` means the firm's name (`identity.firm.updated`); URLs
    are absolute. `logo_url` names the logo's version, so it may be cached for long."""

    firm_id: UUID
    display_name: str | None
    primary_color: str | None = Field(None, pattern=r"^#[0-9a-f]{6}$")
    accent_color: str | None = Field(None, pattern=r"^#[0-9a-f]{6}$")
    logo_url: str | None
    slug: str | None
    portal_url: str | None = Field(description="The firm's portal address, `…/p/<slug>`.")


@message("identity.staff.created", 1)
class StaffCreated(Event):
    staff_id: UUID
    name: str
    email: str
    role: StaffRole
    language: Language


@message("identity.staff.updated", 1)
class StaffUpdated(Event):
    staff_id: UUID
    name: str
    email: str
    role: StaffRole
    language: Language


@message("identity.staff.deactivated", 1)
class StaffDeactivated(Event):
    staff_id: UUID


@message("identity.staff.assigned", 1)
class StaffAssigned(Event):
    """A member may now see this client."""

    staff_id: UUID
    client_id: UUID


@message("identity.staff.unassigned", 1)
class StaffUnassigned(Event):
    staff_id: UUID
    client_id: UUID


@message("identity.client.created", 1)
class ClientCreated(Event):
    client_id: UUID
    kind: Literal["company", "individual"]
    name: str
    organisation_number: str | None


@message("identity.client.updated", 1)
class ClientUpdated(Event):
    client_id: UUID
    name: str
    organisation_number: str | None


@message("identity.client.archived", 1)
class ClientArchived(Event):
    client_id: UUID


@message("identity.contact.created", 1)
class ContactCreated(Event):
    contact_id: UUID
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    language: Language


@message("identity.contact.updated", 1)
class ContactUpdated(Event):
    contact_id: UUID
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    language: Language


@message("identity.contact.linked", 1)
class ContactLinked(Event):
    """A contact now belongs to a client (or its roles there changed)."""

    contact_id: UUID
    client_id: UUID
    roles: list[RelationshipRole]
    primary: bool


@message("identity.contact.unlinked", 1)
class ContactUnlinked(Event):
    contact_id: UUID
    client_id: UUID


@message("identity.portal_access.granted", 1)
class PortalAccessGranted(Event):
    contact_id: UUID
    invitation_send_at: datetime | None


@message("identity.portal_access.revoked", 1)
class PortalAccessRevoked(Event):
    """The contact's sessions have been revoked; every service refuses their access tokens
    from now on (`TokensRevoked`, `SessionRevoked`)."""

    contact_id: UUID


@message("identity.contact.registered", 1)
class ContactRegistered(Event):
    contact_id: UUID


@message("identity.second_factor.changed", 1)
class SecondFactorChanged(Event):
    """A staff member turned the second factor (TOTP) of their sign-in on or off, at the firm
    the envelope names (where they did it); the actor is that person."""

    staff_id: UUID
    enabled: bool


@message("identity.secret_link.issued", 1)
class SecretLinkIssued(Event):
    """Staff made (or replaced) a contact's personal secret link. The link is never in an event;
    the sessions of a replaced one end (`identity.session.revoked`)."""

    contact_id: UUID


@message("identity.secret_link.revoked", 1)
class SecretLinkRevoked(Event):
    contact_id: UUID


@message("identity.portal_settings.changed", 1)
class PortalSettingsChanged(Event):
    """How the firm's customers may sign in, and whether new contacts get portal access."""

    sign_in_methods: list[str]
    portal_access_default: bool


@message("identity.session.opened", 1)
class SessionOpened(Event):
    """Someone signed in to a context of the firm (or switched into one); the actor is that
    person. `source_address` is the caller's address as the gateway saw it, where known."""

    session_id: UUID
    person_kind: Literal["staff", "contact"]
    client_id: UUID | None
    method: str
    source_address: str | None = None


# Revocation (ARCHITECTURE §4): every replica of every service keeps a short-lived deny list
# fed by these two events (shared/revocation.py). A session id is no bearer secret: nothing
# accepts it instead of a token (the refresh token is the session's secret, and is stored
# hashed), and every access token of the session carries it in clear as its `sid`.


@message("identity.session.revoked", 1)
class SessionRevoked(Event):
    """A session ended (signed out, switched away from, its refresh token replayed, its
    password changed or reset elsewhere, its secret link revoked, its person's access
    revoked): its access tokens (`sid`) are refused from now on."""

    session_id: UUID
    person_id: UUID
    revoked_at: datetime


@message("identity.tokens.revoked", 1)
class TokensRevoked(Event):
    """Every access token of this person (`sub`) at the envelope's firm issued up to
    `issued_before` (its `iat` not later) is refused: staff removed, portal access off.
    A token issued after (a new sign-in) is accepted."""

    person_id: UUID
    issued_before: datetime


class RevokedSession(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    session_id: UUID
    revoked_at: datetime


class RevokedTokens(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    firm_id: UUID
    person_id: UUID
    issued_before: datetime


class Revocations(Reply):
    sessions: list[RevokedSession]
    tokens: list[RevokedTokens]


@message("identity.list_revocations", 1, target="identity")
class ListRevocations(Request):
    """The revocations since `since`, across firms by design (the envelope names no firm): a
    replica that starts or reconnects catches up with them before it serves. Ask with a new
    idempotency key each time: the answer to a repeated key is the first one."""

    reply: ClassVar[type[Reply]] = Revocations
    since: datetime
