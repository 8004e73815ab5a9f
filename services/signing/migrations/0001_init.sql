-- Signing requests, their parties, links, evidence, and replicas of identity's facts.

CREATE TABLE signings (
    id               uuid PRIMARY KEY,
    firm_id          uuid NOT NULL,
    client_id        uuid NOT NULL,
    folder_id        uuid NOT NULL,
    document_id      uuid NOT NULL,
    document_name    text NOT NULL,
    document_sha256  text NOT NULL,
    document_size    bigint NOT NULL,
    attachments      jsonb NOT NULL DEFAULT '[]',
    message          text NOT NULL DEFAULT '',
    language         text NOT NULL CHECK (language IN ('sv', 'en', 'de', 'es')),
    expires_at       timestamptz NOT NULL,
    reminder_days    int CHECK (reminder_days IS NULL OR reminder_days > 0),
    state            text NOT NULL CHECK (state IN
                         ('draft', 'sent', 'completed', 'declined', 'expired', 'cancelled')),
    credit           text NOT NULL DEFAULT 'none' CHECK (credit IN
                         ('none', 'reserving', 'committed', 'releasing', 'released')),
    -- Bumped after billing refused a credit, so that a send after a top-up asks afresh
    -- instead of getting billing's remembered refusal for the same key.
    credit_attempt   int NOT NULL DEFAULT 0,
    halted           text,
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    closed_at        timestamptz,
    sealed_sha256    text,
    sealed_size      bigint,
    signed_document_id uuid
);
CREATE INDEX signings_client ON signings (firm_id, client_id, created_at DESC);
-- A document is in at most one active (draft or sent) request.
CREATE UNIQUE INDEX signings_active_document ON signings (firm_id, document_id)
    WHERE state IN ('draft', 'sent');
CREATE INDEX signings_open ON signings (expires_at) WHERE state = 'sent';

CREATE TABLE parties (
    id               uuid PRIMARY KEY,
    signing_id       uuid NOT NULL REFERENCES signings (id) ON DELETE CASCADE,
    firm_id          uuid NOT NULL,
    position         int NOT NULL,
    name             text NOT NULL,
    email            text NOT NULL,
    phone            text,
    personal_number  text,
    role             text NOT NULL CHECK (role IN ('signer', 'approver', 'viewer')),
    sign_order       int NOT NULL,
    method           text NOT NULL CHECK (method IN ('eid', 'email_otp', 'click')),
    contact_id       uuid,
    status           text NOT NULL DEFAULT 'waiting' CHECK (status IN
                         ('waiting', 'invited', 'signed', 'declined')),
    invited_at       timestamptz,
    viewed_at        timestamptz,
    acted_at         timestamptz,
    reminded_at      timestamptz,
    decline_reason   text,
    typed_name       text,
    drawn_signature  bytea,
    otp_hash         bytea,
    otp_expires_at   timestamptz,
    otp_sent_at      timestamptz,
    otp_attempts     int NOT NULL DEFAULT 0,
    eid_order        text,
    session_hash     bytea,
    session_expires_at timestamptz,
    UNIQUE (signing_id, position)
);
CREATE INDEX parties_contact ON parties (firm_id, contact_id) WHERE contact_id IS NOT NULL;

-- Secret links, stored only as SHA-256 of the token: `sign` links act for a party while the
-- request is active; `copy` links download the sealed PDF after completion.
CREATE TABLE links (
    token_hash       bytea PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('sign', 'copy')),
    party_id         uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE,
    signing_id       uuid NOT NULL REFERENCES signings (id) ON DELETE CASCADE,
    firm_id          uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL
);

-- The audit trail: every action with its evidence, in order.
CREATE TABLE audit_events (
    id               bigserial PRIMARY KEY,
    signing_id       uuid NOT NULL REFERENCES signings (id) ON DELETE CASCADE,
    firm_id          uuid NOT NULL,
    party_id         uuid REFERENCES parties (id) ON DELETE CASCADE,
    at               timestamptz NOT NULL,
    action           text NOT NULL,
    method           text,
    address          text,
    user_agent       text,
    document_sha256  text,
    detail           text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_signing ON audit_events (signing_id, id);

-- Replicas of identity's facts that decide who may see what. `linked` with `changed_at`
-- (the event's time) lets a late, older event lose against a newer one.
CREATE TABLE staff_assignments (
    firm_id          uuid NOT NULL,
    staff_id         uuid NOT NULL,
    client_id        uuid NOT NULL,
    linked           boolean NOT NULL,
    changed_at       timestamptz NOT NULL,
    PRIMARY KEY (firm_id, staff_id, client_id)
);

CREATE TABLE client_contacts (
    firm_id          uuid NOT NULL,
    contact_id       uuid NOT NULL,
    client_id        uuid NOT NULL,
    linked           boolean NOT NULL,
    changed_at       timestamptz NOT NULL,
    PRIMARY KEY (firm_id, contact_id, client_id)
);
