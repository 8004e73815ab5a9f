-- Replicas of identity's facts. `updated_at` is the occurred_at of the last event applied, so
-- an older event arriving late never overwrites a newer fact (rows are kept as tombstones).
CREATE TABLE clients (
    client_id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    name text NOT NULL DEFAULT '',
    archived boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
CREATE INDEX clients_firm ON clients (firm_id);

CREATE TABLE staff_assignments (
    staff_id uuid NOT NULL,
    client_id uuid NOT NULL,
    firm_id uuid NOT NULL,
    assigned boolean NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (staff_id, client_id)
);

CREATE TABLE contacts (
    contact_id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    name text NOT NULL DEFAULT '',
    portal_access boolean NOT NULL DEFAULT false,
    access_changed_at timestamptz NOT NULL DEFAULT '-infinity',
    updated_at timestamptz NOT NULL DEFAULT '-infinity'
);

CREATE TABLE relationships (
    contact_id uuid NOT NULL,
    client_id uuid NOT NULL,
    firm_id uuid NOT NULL,
    linked boolean NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    roles text[] NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (contact_id, client_id)
);
CREATE INDEX relationships_client ON relationships (client_id) WHERE linked;

-- Folders: a tree per client, each with its customer access rules.
CREATE TABLE folders (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    client_id uuid NOT NULL,
    parent_id uuid REFERENCES folders (id),
    name text NOT NULL,
    level text NOT NULL CHECK (level IN ('none', 'read', 'upload')),
    audience_all boolean NOT NULL,
    audience uuid[] NOT NULL DEFAULT '{}',
    primary_manages boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (client_id, parent_id, name)
);
CREATE INDEX folders_client ON folders (firm_id, client_id);

-- A document is a name in a folder; its bytes are versions.
CREATE TABLE documents (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    client_id uuid NOT NULL,
    folder_id uuid NOT NULL REFERENCES folders (id),
    name text NOT NULL,
    created_by uuid NOT NULL,
    created_by_kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finalised_at timestamptz,
    current_version_id uuid,
    size bigint NOT NULL DEFAULT 0,
    content_type text NOT NULL DEFAULT 'application/octet-stream',
    version_count int NOT NULL DEFAULT 0,
    UNIQUE (folder_id, name)
);
CREATE INDEX documents_folder_updated ON documents (folder_id, updated_at);
CREATE INDEX documents_client_created ON documents (firm_id, client_id, created_at);

CREATE TABLE versions (
    id uuid PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    firm_id uuid NOT NULL,
    number int NOT NULL,
    object_key text NOT NULL,
    size bigint NOT NULL,
    sha256 text NOT NULL,
    content_type text NOT NULL,
    reservation_key text NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, number)
);

-- Every upload in flight: what the reaper must undo if its process dies (object or multipart
-- upload in S3, storage reservation in billing).
CREATE TABLE uploads (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('stream', 'multipart', 'copy')),
    state text NOT NULL CHECK (state IN ('open', 'stored', 'done', 'failed')),
    folder_id uuid NOT NULL,
    name text NOT NULL,
    object_key text NOT NULL,
    s3_upload_id text,
    reservation_key text NOT NULL,
    size bigint NOT NULL,
    part_size bigint NOT NULL DEFAULT 0,
    created_by uuid NOT NULL,
    created_by_kind text NOT NULL,
    request_key text,
    result_document_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);
-- One live attempt per RPC request (a failed attempt may be retried under the same key).
CREATE UNIQUE INDEX uploads_request ON uploads (request_key) WHERE state <> 'failed';
CREATE INDEX uploads_unsettled ON uploads (heartbeat_at) WHERE state IN ('open', 'stored');

-- Parts received of a resumable (multipart) upload.
CREATE TABLE upload_parts (
    upload_id uuid NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    number int NOT NULL,
    etag text NOT NULL,
    size bigint NOT NULL,
    PRIMARY KEY (upload_id, number)
);

-- Bytes deleted from the catalogue whose object removal and billing free are still owed.
CREATE TABLE pending_frees (
    version_id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    object_key text NOT NULL,
    size bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE access_log (
    id bigserial PRIMARY KEY,
    firm_id uuid NOT NULL,
    document_id uuid NOT NULL,
    version_id uuid,
    user_id uuid NOT NULL,
    user_kind text NOT NULL,
    method text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_document ON access_log (document_id, at);

CREATE TABLE comments (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    author_id uuid NOT NULL,
    author_kind text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_document ON comments (document_id, created_at);

CREATE TABLE approvals (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    requested_by uuid NOT NULL,
    message text NOT NULL DEFAULT '',
    named_contacts uuid[],
    status text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz
);
CREATE INDEX approvals_document ON approvals (document_id);

CREATE TABLE approval_answers (
    approval_id uuid NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
    contact_id uuid NOT NULL,
    answer text NOT NULL CHECK (answer IN ('accepted', 'rejected')),
    comment text NOT NULL DEFAULT '',
    answered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (approval_id, contact_id)
);

CREATE TABLE visits (
    user_id uuid NOT NULL,
    client_id uuid NOT NULL,
    firm_id uuid NOT NULL,
    visited_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
