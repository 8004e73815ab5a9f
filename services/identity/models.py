"""Request, response and row models of the identity service."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Plan = Literal["partner", "bureau"]
Language = Literal["sv", "en", "de", "es"]
StaffRole = Literal["owner", "admin", "member"]
RelationshipRole = Literal["commercial", "operational", "employee"]


def _employee() -> list[RelationshipRole]:
    """A new link's roles when none are given."""
    return ["employee"]


ClientKind = Literal["company", "individual"]
Kind = Literal["staff", "contact"]
Method = Literal["password", "magic_link", "secret_link", "eid"]
PortalStatus = Literal["not_invited", "scheduled", "sent", "registered", "expired"]


def text_field(default: Any = ...) -> Any:
    return Field(default, min_length=1, max_length=200)


def email_field(default: Any = ...) -> Any:
    return Field(default, min_length=3, max_length=320)


def secret_field() -> Any:
    return Field(min_length=1, max_length=1024)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- requests ----


class SignUp(Strict):
    name: str = text_field()
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")
    plan: Plan
    default_language: Language | None = None
    owner_name: str = text_field()
    owner_email: str = email_field()


class SignUpConfirm(Strict):
    token: str = secret_field()
    password: str = Field(
        min_length=1,
        max_length=1024,
        description="A new password, or the existing account's own password if it has one.",
    )
    totp: str | None = Field(None, max_length=6, description="Code, if the account uses TOTP.")


class SignIn(Strict):
    email: str = email_field()
    password: str = secret_field()
    firm_id: UUID | None = Field(None, description="Context to sign in to; default: the first.")
    client_id: UUID | None = Field(None, description="For a contact: the client to act for.")
    totp: str | None = Field(None, max_length=6, description="Code, if the account uses TOTP.")


class RefreshIn(Strict):
    refresh_token: str = secret_field()


class SwitchIn(Strict):
    firm_id: UUID
    client_id: UUID | None = None
    totp: str | None = Field(
        None, max_length=6, description="Code, when entering a staff membership that uses TOTP."
    )


class EmailIn(Strict):
    email: str = email_field()


class TokenIn(Strict):
    token: str = secret_field()


class PasswordTokenIn(Strict):
    token: str = secret_field()
    password: str = secret_field()


class PasswordChange(Strict):
    current_password: str = secret_field()
    new_password: str = secret_field()


class FirmUpdate(Strict):
    name: str | None = text_field(None)
    default_language: Language | None = None


class StaffInvite(Strict):
    email: str = email_field()
    name: str = text_field()
    role: StaffRole
    language: Language | None = None


class StaffUpdate(Strict):
    role: StaffRole


class ContactFields(Strict):
    first_name: str = text_field()
    last_name: str = text_field()
    email: str | None = email_field(None)
    phone: str | None = Field(None, max_length=40)
    personal_number: str | None = Field(None, max_length=20)
    language: Language | None = None


class LinkIn(Strict):
    roles: list[RelationshipRole] = Field(default_factory=_employee, max_length=3)
    primary: bool = False


class ClientLink(LinkIn):
    client_id: UUID


class ContactIn(ContactFields):
    clients: list[ClientLink] = Field(default_factory=list, max_length=50)


class ClientContactIn(ContactFields):
    roles: list[RelationshipRole] = Field(default_factory=_employee, max_length=3)
    primary: bool = False


class ClientIn(Strict):
    kind: ClientKind
    name: str = text_field()
    organisation_number: str | None = Field(None, max_length=40)
    contacts: list[ClientContactIn] = Field(default_factory=list, max_length=50)


class ClientUpdate(Strict):
    name: str | None = text_field(None)
    organisation_number: str | None = Field(None, max_length=40)


class ContactUpdate(Strict):
    first_name: str | None = text_field(None)
    last_name: str | None = text_field(None)
    email: str | None = email_field(None)
    phone: str | None = Field(None, max_length=40)
    personal_number: str | None = Field(None, max_length=20)
    language: Language | None = None


class ClientQuery(Strict):
    q: str | None = Field(None, max_length=200, description="Part of the name or number.")
    archived: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class ContactLookup(Strict):
    email: str = Field(min_length=3, max_length=320, description="The whole address.")


class ContactMatch(BaseModel):
    """Whom an address belongs to among the firm's contacts: enough to link them, no more."""

    id: UUID
    first_name: str
    last_name: str


class PortalAccessIn(Strict):
    enabled: bool
    send_at: datetime | None = Field(None, description="Send the invitation then; default now.")


class ResendIn(Strict):
    send_at: datetime | None = None


# ---- responses and rows ----


class Firm(BaseModel):
    id: UUID
    name: str
    country: str
    plan: Plan
    default_language: Language


class Context(BaseModel):
    firm_id: UUID
    kind: Kind
    person_id: UUID
    client_id: UUID | None = None
    role: StaffRole | None = None


class Tokens(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    context: Context


class SignedUp(BaseModel):
    firm: Firm
    owner_id: UUID
    tokens: Tokens


class Jwks(BaseModel):
    keys: list[dict[str, Any]]


class Account(BaseModel):
    id: UUID
    email: str
    password_hash: str | None


class Staff(BaseModel):
    id: UUID
    firm_id: UUID
    account_id: UUID
    name: str
    email: str
    role: StaffRole
    language: Language
    active: bool
    registered: bool

    def public(self) -> dict[str, Any]:
        """What events say about a staff user."""
        keep = {"name", "email", "role", "language"}
        return {"staff_id": self.id, **self.model_dump(include=keep)}


class StaffOut(BaseModel):
    id: UUID
    name: str
    email: str
    role: StaffRole
    language: Language
    active: bool
    registered: bool


class AssignedClient(BaseModel):
    client_id: UUID
    name: str


class AssignedClients(BaseModel):
    clients: list[AssignedClient] = Field(description="By name.")


class StaffList(BaseModel):
    items: list[StaffOut]


class Client(BaseModel):
    id: UUID
    kind: ClientKind
    name: str
    organisation_number: str | None
    archived: bool


class ClientPage(BaseModel):
    items: list[Client]
    total: int
    limit: int
    offset: int


class Contact(BaseModel):
    """A contact row. The personal identity number is only ever here sealed and as a keyed
    digest (lookups, uniqueness); no response carries either."""

    id: UUID
    firm_id: UUID
    account_id: UUID | None
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    personal_number_sealed: bytes | None
    personal_number_digest: bytes | None
    language: Language
    portal_access: bool
    registered: bool

    @property
    def has_personal_number(self) -> bool:
        return self.personal_number_digest is not None

    def public(self) -> dict[str, Any]:
        """What events may say about a contact: never the personal identity number."""
        keep = {"first_name", "last_name", "email", "phone", "language"}
        return {"contact_id": self.id, **self.model_dump(include=keep)}


class ContactOut(BaseModel):
    """A contact as staff see it; the personal identity number itself never leaves."""

    id: UUID
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    has_personal_number: bool
    language: Language
    portal_access: bool


class Relationship(BaseModel):
    client_id: UUID
    contact_id: UUID
    roles: list[RelationshipRole]
    primary: bool


class RelationshipList(BaseModel):
    items: list[Relationship]


class CreatedClient(Client):
    contacts: list[ContactOut]


class Invitation(BaseModel):
    id: UUID
    send_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    used_at: datetime | None
    revoked_at: datetime | None


class PortalAccess(BaseModel):
    contact_id: UUID
    enabled: bool
    status: PortalStatus
    send_at: datetime | None = None
    sent_at: datetime | None = None
    expires_at: datetime | None = None


class Proof(BaseModel):
    """What a way in proves (ARCHITECTURE §4). Password and magic link prove the account and so
    its memberships, staff ones with the TOTP code where the account has it on; an eID proves a
    personal number (contacts carrying it, and an account that verified it itself); a secret
    link proves its one contact and nothing else."""

    model_config = ConfigDict(frozen=True)

    method: Method
    account_id: UUID | None = None
    second_factor: bool = False
    personal_number_digest: bytes | None = None
    contact_id: UUID | None = None
    firm_id: UUID | None = None


class RevokedSession(BaseModel):
    """A session just revoked, for its `SessionRevoked` event."""

    session_id: UUID
    firm_id: UUID
    person_id: UUID
    revoked_at: datetime


class Session(BaseModel):
    id: UUID
    account_id: UUID | None
    firm_id: UUID
    kind: Kind
    person_id: UUID
    client_id: UUID | None
    method: Method
    second_factor: bool
    personal_number_digest: bytes | None
    expires_at: datetime
    revoked: bool

    @property
    def proof(self) -> Proof:
        confined = self.method == "secret_link"
        return Proof(
            method=self.method,
            account_id=self.account_id,
            second_factor=self.second_factor,
            personal_number_digest=self.personal_number_digest,
            contact_id=self.person_id if confined else None,
            firm_id=self.firm_id if confined else None,
        )


class ClientMembership(BaseModel):
    client_id: UUID
    name: str
    roles: list[RelationshipRole]
    primary: bool


class Membership(BaseModel):
    firm_id: UUID
    firm_name: str
    kind: Kind
    person_id: UUID
    role: StaffRole | None = None
    clients: list[ClientMembership] = []


class Me(BaseModel):
    account_id: UUID | None = Field(
        description="Null for a session an eID or a secret link opened without an account."
    )
    email: str | None
    method: Method = Field(description="How this session was opened.")
    language: Language = Field(description="The language of the person acting, for pages and mail.")
    totp_enabled: bool = Field(description="The account asks its staff sign-ins for a TOTP code.")
    context: Context
    memberships: list[Membership] = Field(description="Where this session may switch to.")


class LanguageIn(Strict):
    language: Language


class InvitationDetails(BaseModel):
    """What an invitation link's page shows before the person registers or accepts."""

    email: str = Field(description="The address the invitation was mailed to.")
    firm_name: str
    language: Language = Field(description="The invited person's language.")
    has_account: bool = Field(
        description="True: accept with the account's password; false: choose a password."
    )


class MagicSignIn(Strict):
    token: str = secret_field()
    firm_id: UUID | None = None
    client_id: UUID | None = None
    totp: str | None = Field(None, max_length=6, description="Code, if the account uses TOTP.")


class InvitationAccept(Strict):
    token: str = secret_field()
    totp: str | None = Field(None, max_length=6, description="Code, if the account uses TOTP.")


class TotpChallengeIn(Strict):
    challenge: str = secret_field()
    code: str = Field(min_length=6, max_length=6, pattern=r"^\d{6}$")


# ---- payloads the store writes (one per insert) ----


class ContactDetails(BaseModel):
    """A contact's details as a request sets them: the personal identity number only sealed
    and as its keyed digest (see numbers.py), never in plain."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    personal_number_sealed: bytes | None
    personal_number_digest: bytes | None
    language: Language


class NewContact(ContactDetails):
    firm_id: UUID


class NewSignUp(BaseModel):
    """A firm's sign-up waiting for the link mailed to its owner; `details` has the owner's
    email normalised."""

    token_hash: bytes
    email: str
    details: SignUp
    expires_at: datetime


class PendingSignUp(BaseModel):
    email: str
    details: SignUp


class NewFirm(BaseModel):
    name: str
    country: str
    plan: Plan
    default_language: Language


class NewStaff(BaseModel):
    firm_id: UUID
    account_id: UUID
    name: str
    role: StaffRole
    language: Language
    registered: bool


class NewClient(BaseModel):
    firm_id: UUID
    kind: ClientKind
    name: str
    organisation_number: str | None


class NewRelationship(BaseModel):
    firm_id: UUID
    client_id: UUID
    contact_id: UUID
    roles: list[RelationshipRole]
    primary: bool


class NewSession(BaseModel):
    """A session as it opens: what its way in proved, and the context it was opened in."""

    proof: Proof
    context: Context
    expires_at: datetime


class NewRefreshToken(BaseModel):
    """A session's refresh token, kept only as the SHA-256 of its value."""

    token_hash: bytes
    session_id: UUID
    expires_at: datetime


class NewOneTimeToken(BaseModel):
    """A single-use token for one purpose (e.g. a password reset), kept only as its SHA-256."""

    token_hash: bytes
    purpose: str
    account_id: UUID
    expires_at: datetime


class NewFailure(BaseModel):
    """A failed sign-in: the email tried, the address it came from, and when."""

    email: str
    source: str
    failed_at: datetime


class NewChallenge(BaseModel):
    """A first factor waiting for its TOTP code, and the context it asked for."""

    token_hash: bytes
    account_id: UUID
    method: Method
    firm_id: UUID | None
    client_id: UUID | None
    expires_at: datetime


class NewEidOrder(BaseModel):
    """`qr_start_*` are the provider's QR start token and its sealed secret, if it gave them."""

    order_ref: str
    personal_number_digest: bytes
    qr_start_token: str | None = None
    qr_start_secret: bytes | None = None
    expires_at: datetime
