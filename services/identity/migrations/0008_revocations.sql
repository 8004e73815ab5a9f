-- Revocation everywhere at once (issue 16): a replica that starts or reconnects asks identity
-- for the revocations of the last access-token lifetime. Sessions already keep when they were
-- revoked (the index finds the recent ones); revoking every token of a person at a firm up to
-- a time (staff removed, portal access off) is kept here. Rows older than a day are deleted.
CREATE TABLE token_revocations (
    firm_id uuid NOT NULL REFERENCES firms (id),
    person_id uuid NOT NULL,
    issued_before timestamptz NOT NULL,
    PRIMARY KEY (firm_id, person_id, issued_before)
);
CREATE INDEX token_revocations_recent ON token_revocations (issued_before);
CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
