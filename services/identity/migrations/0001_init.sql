-- Identity: tenants, people, their memberships, credentials, sessions and signing keys.

CREATE TABLE firms (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    country          text NOT NULL,
    plan             text NOT NULL CHECK (plan IN ('partner', 'bureau')),
    default_language text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One sign-in per person for the whole platform (ARCHITECTURE.md §4).
CREATE TABLE accounts (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));

CREATE TABLE staff (
    id          uuid PRIMARY KEY,
    firm_id     uuid NOT NULL REFERENCES firms,
    account_id  uuid NOT NULL REFERENCES accounts,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    language    text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    registered  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, account_id)
);

CREATE TABLE clients (
    id                  uuid PRIMARY KEY,
    firm_id             uuid NOT NULL REFERENCES firms,
    kind                text NOT NULL CHECK (kind IN ('company', 'individual')),
    name                text NOT NULL,
    organisation_number text,
    archived_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_firm_name ON clients (firm_id, lower(name), id);

CREATE TABLE staff_clients (
    firm_id   uuid NOT NULL REFERENCES firms,
    staff_id  uuid NOT NULL REFERENCES staff,
    client_id uuid NOT NULL REFERENCES clients,
    PRIMARY KEY (staff_id, client_id)
);
CREATE INDEX staff_clients_client ON staff_clients (client_id);

CREATE TABLE contacts (
    id              uuid PRIMARY KEY,
    firm_id         uuid NOT NULL REFERENCES firms,
    account_id      uuid REFERENCES accounts,
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    email           text,
    phone           text,
    personal_number text,
    language        text NOT NULL,
    portal_access   boolean NOT NULL DEFAULT false,
    registered      boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Within a firm, one contact record per person.
CREATE UNIQUE INDEX contacts_firm_email ON contacts (firm_id, lower(email));
CREATE UNIQUE INDEX contacts_firm_personal_number ON contacts (firm_id, personal_number);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE relationships (
    firm_id    uuid NOT NULL REFERENCES firms,
    client_id  uuid NOT NULL REFERENCES clients,
    contact_id uuid NOT NULL REFERENCES contacts,
    roles      text[] NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, contact_id)
);
CREATE UNIQUE INDEX relationships_one_primary ON relationships (client_id) WHERE is_primary;
CREATE INDEX relationships_contact ON relationships (contact_id);

-- Invitations to register (staff or contact); only a hash of the link's token is kept.
CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    firm_id     uuid NOT NULL REFERENCES firms,
    staff_id    uuid REFERENCES staff,
    contact_id  uuid REFERENCES contacts,
    token_hash  bytea UNIQUE,
    send_at     timestamptz NOT NULL,
    sent_at     timestamptz,
    expires_at  timestamptz,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((staff_id IS NULL) <> (contact_id IS NULL))
);
CREATE INDEX invitations_due ON invitations (send_at) WHERE sent_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_contact ON invitations (contact_id, created_at);
CREATE INDEX invitations_staff ON invitations (staff_id, created_at);

-- Magic links and password resets: single use, expiring, hashed.
CREATE TABLE one_time_tokens (
    token_hash bytea PRIMARY KEY,
    purpose    text NOT NULL CHECK (purpose IN ('magic_link', 'password_reset')),
    account_id uuid NOT NULL REFERENCES accounts,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A session is one signed-in context; its refresh tokens form one rotation family.
CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts,
    firm_id    uuid NOT NULL REFERENCES firms,
    kind       text NOT NULL CHECK (kind IN ('staff', 'contact')),
    person_id  uuid NOT NULL,
    client_id  uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX sessions_person ON sessions (person_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_account ON sessions (account_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

-- Failed sign-ins, kept in the database so the limit survives restarts and spans replicas.
CREATE TABLE sign_in_failures (
    id         bigserial PRIMARY KEY,
    email      text NOT NULL,
    source     text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (lower(email), failed_at);
CREATE INDEX sign_in_failures_source ON sign_in_failures (source, failed_at);

-- Ed25519 signing keys; the private half is encrypted with the service's key secret.
CREATE TABLE signing_keys (
    kid                text PRIMARY KEY,
    private_key        bytea NOT NULL,
    public_jwk         jsonb NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    retired_at         timestamptz
);
