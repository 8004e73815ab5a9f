-- The kit's tables, present in every service's database.

-- Transactional outbox: rows written in the business transaction, published by the relay,
-- deleted once the broker confirmed them (so no command that carries a secret stays at rest).
CREATE TABLE outbox (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('event', 'command')),
    routing_key text NOT NULL,
    body        bytea NOT NULL,
    headers     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_created_at ON outbox (created_at);

-- Idempotent consumer: a message id is recorded in the same transaction as its effects.
CREATE TABLE inbox (
    message_id  uuid PRIMARY KEY,
    type        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_received_at ON inbox (received_at);

-- RPC idempotency: the first reply to a key is the reply to every repeat of it. Keys are
-- scoped by firm (the nil UUID for requests outside any firm), so tenants never share one.
CREATE TABLE rpc_replies (
    request_type text NOT NULL,
    firm_id      uuid NOT NULL,
    key          text NOT NULL,
    reply        jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_type, firm_id, key)
);
