-- Outgoing webhooks (ARCHITECTURE.md §8): a firm's endpoints and one delivery per (event,
-- endpoint). Secrets are sealed (AES-256-GCM under NOTIFY_WEBHOOK_SECRET_KEY): a dump of this
-- database alone does not let anyone sign as us. New tables only, so replicas of the previous
-- release keep running beside this one.
CREATE TABLE webhook_endpoints (
    id                     uuid PRIMARY KEY,
    firm_id                uuid NOT NULL,
    url                    text NOT NULL,
    description            text NOT NULL DEFAULT '',
    event_types            text[] NOT NULL,
    enabled                boolean NOT NULL DEFAULT true,
    -- Why it is off: 'manual' (an admin), 'gone' (it answered 410), 'failing' (5 days).
    disabled_reason        text,
    secret_sealed          bytea NOT NULL,
    -- After a rotation the previous secret signs too, until previous_secret_until.
    previous_secret_sealed bytea,
    previous_secret_until  timestamptz,
    -- Start of the current run of failed attempts; NULL once one succeeds.
    failing_since          timestamptz,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_firm ON webhook_endpoints (firm_id, created_at);

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    firm_id          uuid NOT NULL,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         uuid NOT NULL,
    event_type       text NOT NULL,
    payload          text NOT NULL,
    -- pending (due at next_attempt_at) | delivered | failed (out of attempts, or 410)
    state            text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    -- The last attempt, for the delivery log.
    last_attempt_at  timestamptz,
    response_status  integer,
    response_body    text,
    latency_ms       double precision,
    error            text,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at DESC);
