-- Billing: one account per firm, the storage and credit ledgers, purchases.
-- Sizes are bytes (1 GB = 10^9), amounts öre excluding VAT.

-- The account row is the lock every change of a firm's storage or credits takes first, so
-- the CHECKs below hold whatever the concurrency; they are the last line, not the rule.
CREATE TABLE accounts (
    firm_id          uuid PRIMARY KEY,
    name             text NOT NULL,
    country          text NOT NULL,
    plan             text NOT NULL CHECK (plan IN ('partner', 'bureau')),
    blocks           int NOT NULL DEFAULT 0 CHECK (blocks >= 0),
    storage_limit    bigint NOT NULL CHECK (storage_limit >= 0),
    storage_used     bigint NOT NULL DEFAULT 0 CHECK (storage_used >= 0),
    storage_reserved bigint NOT NULL DEFAULT 0 CHECK (storage_reserved >= 0),
    storage_level    int NOT NULL DEFAULT 0 CHECK (storage_level IN (0, 80, 100)),
    credits          int NOT NULL CHECK (credits >= 0),
    credits_reserved int NOT NULL DEFAULT 0 CHECK (credits_reserved >= 0),
    opened_at        timestamptz NOT NULL,
    CHECK (storage_used + storage_reserved <= storage_limit)
);

CREATE TABLE storage_reservations (
    key        text PRIMARY KEY,
    firm_id    uuid NOT NULL REFERENCES accounts,
    bytes      bigint NOT NULL CHECK (bytes > 0),
    state      text NOT NULL CHECK (state IN ('reserved', 'committed', 'released', 'expired')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    settled_at timestamptz
);
CREATE INDEX storage_reservations_due ON storage_reservations (expires_at)
    WHERE state = 'reserved';

CREATE TABLE storage_frees (
    key      text PRIMARY KEY,
    firm_id  uuid NOT NULL REFERENCES accounts,
    bytes    bigint NOT NULL CHECK (bytes > 0),
    freed_at timestamptz NOT NULL
);

CREATE TABLE credit_reservations (
    key        text PRIMARY KEY,
    firm_id    uuid NOT NULL REFERENCES accounts,
    state      text NOT NULL CHECK (state IN ('reserved', 'committed', 'released')),
    created_at timestamptz NOT NULL,
    settled_at timestamptz
);

-- A storage block is billed for every calendar month it is held in, even partly.
CREATE TABLE storage_blocks (
    id         bigserial PRIMARY KEY,
    firm_id    uuid NOT NULL REFERENCES accounts,
    price_ore  int NOT NULL CHECK (price_ore >= 0),
    started_at timestamptz NOT NULL,
    ended_at   timestamptz
);
CREATE INDEX storage_blocks_firm ON storage_blocks (firm_id, started_at);

CREATE TABLE credit_purchases (
    id           uuid PRIMARY KEY,
    firm_id      uuid NOT NULL REFERENCES accounts,
    pack         text NOT NULL,
    credits      int NOT NULL CHECK (credits > 0),
    price_ore    int NOT NULL CHECK (price_ore >= 0),
    purchased_at timestamptz NOT NULL,
    purchased_by uuid NOT NULL
);
CREATE INDEX credit_purchases_firm ON credit_purchases (firm_id, purchased_at);

-- Every movement of storage or credits, for the account's history.
CREATE TABLE ledger (
    id      bigserial PRIMARY KEY,
    firm_id uuid NOT NULL REFERENCES accounts,
    at      timestamptz NOT NULL,
    kind    text NOT NULL,
    key     text,
    bytes   bigint NOT NULL DEFAULT 0,
    credits int NOT NULL DEFAULT 0
);
CREATE INDEX ledger_firm ON ledger (firm_id, id DESC);
