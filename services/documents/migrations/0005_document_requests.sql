-- Document requests (issue 20, part 1): staff ask a client's portal contacts for documents,
-- item by item; an item grants upload into its own folder, for itself only.
CREATE TABLE document_requests (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    client_id uuid NOT NULL,
    title text NOT NULL,
    message text NOT NULL DEFAULT '',
    audience_all boolean NOT NULL,
    audience uuid[] NOT NULL DEFAULT '{}',
    status text NOT NULL CHECK (status IN ('open', 'submitted', 'accepted', 'returned',
                                           'cancelled')),
    -- The reminder schedule, in days relative to each item's due date.
    remind_days_before int[] NOT NULL,
    remind_on_due_date boolean NOT NULL,
    remind_every_days_after int NOT NULL,
    remind_at_most int NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz
);
CREATE INDEX document_requests_client ON document_requests (firm_id, client_id, created_at);

-- No foreign key to folders: a folder may be deleted while an item names it; uploading
-- against that item is then refused (409), the item stays for the record.
CREATE TABLE request_items (
    id uuid PRIMARY KEY,
    firm_id uuid NOT NULL,
    request_id uuid NOT NULL REFERENCES document_requests (id) ON DELETE CASCADE,
    position int NOT NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    due_date date NOT NULL,
    folder_id uuid NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'submitted', 'accepted', 'returned',
                                           'cancelled')),
    return_reason text NOT NULL DEFAULT '',
    -- The next reminder due, or null when none is (the item is no longer waiting for the
    -- customer, or its schedule is spent). The reminder job reads only this index.
    next_reminder_at timestamptz,
    reminders_sent int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_items_request ON request_items (request_id, position);
CREATE INDEX request_items_reminder ON request_items (next_reminder_at)
    WHERE next_reminder_at IS NOT NULL;
CREATE INDEX request_items_due ON request_items (firm_id, due_date)
    WHERE status IN ('open', 'returned');

-- The files a contact uploaded against an item (each a version of a document in the item's
-- folder).
CREATE TABLE request_item_files (
    item_id uuid NOT NULL REFERENCES request_items (id) ON DELETE CASCADE,
    firm_id uuid NOT NULL,
    document_id uuid NOT NULL,
    version_id uuid NOT NULL,
    name text NOT NULL,
    size bigint NOT NULL,
    uploaded_by uuid NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, version_id)
);

-- One reminder per item and scheduled time, however many replicas run the job: the row is
-- written in the job's transaction, so a second runner's insert conflicts and sends nothing.
CREATE TABLE request_reminders (
    item_id uuid NOT NULL REFERENCES request_items (id) ON DELETE CASCADE,
    firm_id uuid NOT NULL,
    remind_at timestamptz NOT NULL,
    contacts uuid[] NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, remind_at)
);
