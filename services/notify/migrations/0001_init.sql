-- Notify's own tables: a replica of people (from identity's events), preferences, the in-app
-- feed and digest entries, and every email delivery. Replica rows carry the `occurred_at` of
-- the event that last changed them, so an older event arriving late changes nothing.

CREATE TABLE firms (
    firm_id          uuid PRIMARY KEY,
    name             text NOT NULL,
    default_language text NOT NULL,
    changed_at       timestamptz NOT NULL
);

CREATE TABLE clients (
    firm_id    uuid NOT NULL,
    client_id  uuid NOT NULL,
    name       text NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (firm_id, client_id)
);

-- Staff and contacts; `role` is the staff role (null for contacts).
CREATE TABLE people (
    firm_id    uuid NOT NULL,
    person_id  uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('staff', 'contact')),
    name       text NOT NULL,
    email      text,
    language   text NOT NULL,
    role       text,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (firm_id, person_id)
);

-- Facts that may arrive before the person they concern: kept apart so that order never matters.
CREATE TABLE deactivations (
    firm_id   uuid NOT NULL,
    person_id uuid NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (firm_id, person_id)
);

CREATE TABLE portal_access (
    firm_id    uuid NOT NULL,
    contact_id uuid NOT NULL,
    granted    boolean NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (firm_id, contact_id)
);

CREATE TABLE links (
    firm_id    uuid NOT NULL,
    contact_id uuid NOT NULL,
    client_id  uuid NOT NULL,
    roles      text[] NOT NULL,
    is_primary boolean NOT NULL,
    linked     boolean NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (firm_id, contact_id, client_id)
);
CREATE INDEX links_client ON links (firm_id, client_id);

CREATE TABLE assignments (
    firm_id    uuid NOT NULL,
    staff_id   uuid NOT NULL,
    client_id  uuid NOT NULL,
    assigned   boolean NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (firm_id, staff_id, client_id)
);
CREATE INDEX assignments_client ON assignments (firm_id, client_id);

-- Folder and document names and signings, for the words of an email and for who started a signing.
CREATE TABLE folders (
    firm_id    uuid NOT NULL,
    folder_id  uuid NOT NULL,
    name       text NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (firm_id, folder_id)
);

CREATE TABLE documents (
    firm_id     uuid NOT NULL,
    document_id uuid NOT NULL,
    name        text NOT NULL,
    PRIMARY KEY (firm_id, document_id)
);

CREATE TABLE signings (
    firm_id       uuid NOT NULL,
    signing_id    uuid NOT NULL,
    client_id     uuid NOT NULL,
    started_by    uuid,
    document_name text NOT NULL,
    parties       jsonb NOT NULL,
    PRIMARY KEY (firm_id, signing_id)
);

CREATE TABLE preferences (
    firm_id  uuid NOT NULL,
    user_id  uuid NOT NULL,
    category text NOT NULL,
    choice   text NOT NULL CHECK (choice IN ('immediate', 'daily_digest', 'off')),
    PRIMARY KEY (firm_id, user_id, category)
);

CREATE TABLE user_settings (
    firm_id     uuid NOT NULL,
    user_id     uuid NOT NULL,
    time_zone   text NOT NULL,
    last_digest date,
    PRIMARY KEY (firm_id, user_id)
);

-- The in-app feed; entries chosen as `daily_digest` wait for the user's next digest.
CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    firm_id     uuid NOT NULL,
    user_id     uuid NOT NULL,
    event_id    uuid NOT NULL,
    kind        text NOT NULL,
    category    text NOT NULL,
    title       text NOT NULL,
    link        text NOT NULL,
    delivery    text NOT NULL CHECK (delivery IN ('immediate', 'daily_digest')),
    created_at  timestamptz NOT NULL,
    read_at     timestamptz,
    digested_at timestamptz,
    UNIQUE (event_id, user_id)
);
CREATE INDEX notifications_feed ON notifications (firm_id, user_id, created_at DESC);
CREATE INDEX notifications_digest ON notifications (firm_id, user_id)
    WHERE delivery = 'daily_digest' AND digested_at IS NULL;

-- One row per (event, recipient): the unique key is what makes an email go out once however
-- often its event arrives. Bodies of secret-bearing messages are erased once settled. A worker
-- claims a row by pushing `next_attempt_at` one lease ahead, so a crashed worker's rows return.
CREATE TABLE deliveries (
    id              uuid PRIMARY KEY,
    event_id        uuid NOT NULL,
    recipient       text NOT NULL,
    firm_id         uuid,
    kind            text NOT NULL,
    email           text NOT NULL,
    subject         text NOT NULL,
    text_body       text,
    html_body       text,
    secret          boolean NOT NULL,
    state           text NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_reply      text,
    created_at      timestamptz NOT NULL,
    settled_at      timestamptz,
    UNIQUE (event_id, recipient)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'queued';
