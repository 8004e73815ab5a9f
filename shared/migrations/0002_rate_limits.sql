-- Rate limits shared by every replica (shared/ratelimit.py): one row per limit and key, holding
-- the times of the hits still inside the window. The key is kept only as its SHA-256: keys are
-- emails, personal numbers and addresses. A row is useless once its last hit left the window
-- (`expires_at`); the kit's housekeeping deletes it then.
CREATE TABLE rate_limits (
    name       text NOT NULL,
    key_sha256 bytea NOT NULL CHECK (octet_length(key_sha256) = 32),
    hits       timestamptz[] NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (name, key_sha256)
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);
