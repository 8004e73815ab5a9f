-- Message threads (issue 20, part 2): per client, between the firm's staff who see the client
-- and the portal contacts a thread includes; attachments are documents stored like uploads.
CREATE TABLE threads (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    client_id uuid NOT NULL,
    subject text NOT NULL,
    started_by uuid NOT NULL,
    started_by_kind text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_message_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threads_client ON threads (firm_id, client_id, last_message_at);

CREATE TABLE thread_contacts (
    thread_id uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    firm_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    PRIMARY KEY (thread_id, contact_id)
);
CREATE INDEX thread_contacts_contact ON thread_contacts (firm_id, contact_id);

CREATE TABLE messages (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    thread_id uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    author_id uuid NOT NULL,
    author_kind text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz,
    deleted_at timestamptz
);
CREATE INDEX messages_thread ON messages (thread_id, created_at);

-- The text a message had before each edit (staff see them).
CREATE TABLE message_edits (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    firm_id uuid NOT NULL,
    body text NOT NULL,
    replaced_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_edits_message ON message_edits (message_id, replaced_at);

-- Who has read which message (read receipts, unread counts).
CREATE TABLE message_reads (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    firm_id uuid NOT NULL,
    reader_id uuid NOT NULL,
    read_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, reader_id)
);
CREATE INDEX message_reads_reader ON message_reads (firm_id, reader_id);

-- A file uploaded into a thread: a document in the client's attachment folder, attached to
-- the uploader's next message (message_id null until then).
CREATE TABLE thread_files (
    document_id uuid NOT NULL,
    version_id uuid NOT NULL PRIMARY KEY,
    firm_id uuid NOT NULL,
    thread_id uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    uploaded_by uuid NOT NULL,
    name text NOT NULL,
    size bigint NOT NULL,
    message_id uuid REFERENCES messages (id) ON DELETE SET NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX thread_files_thread ON thread_files (thread_id);

-- Where a client's message attachments are stored (a folder the firm chooses, per client).
CREATE TABLE thread_folders (
    client_id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    folder_id uuid NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
