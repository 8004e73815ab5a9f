-- The firm's audit log (ARCHITECTURE.md §8): one entry per firm-side event, hash-chained per
-- firm. `audit_heads` holds each firm's last link; appending locks that row, so replicas that
-- record events of one firm at once take turns and the chain never forks.
CREATE TABLE audit_heads (
    firm_id uuid PRIMARY KEY,
    seq bigint NOT NULL,
    hash bytea NOT NULL
);

CREATE TABLE audit_entries (
    firm_id uuid NOT NULL,
    seq bigint NOT NULL,
    event_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    kind text NOT NULL,
    actor uuid,
    summary text NOT NULL,
    client_id uuid,
    subjects jsonb NOT NULL,
    source_address text,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (firm_id, seq),
    UNIQUE (firm_id, event_id)
);

-- The reading filters: by actor, by client, by time.
CREATE INDEX audit_entries_actor ON audit_entries (firm_id, actor, seq);
CREATE INDEX audit_entries_client ON audit_entries (firm_id, client_id, seq);
CREATE INDEX audit_entries_time ON audit_entries (firm_id, occurred_at);
