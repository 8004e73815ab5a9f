-- A block purchase or cancellation repeated with the same key (a retried request, a double
-- click) is made once: the key remembers the change in blocks it made (+ bought, - cancelled).
CREATE TABLE block_changes (
    firm_id         uuid NOT NULL REFERENCES accounts,
    idempotency_key text NOT NULL,
    change          int NOT NULL CHECK (change <> 0),
    made_at         timestamptz NOT NULL,
    made_by         uuid NOT NULL,
    PRIMARY KEY (firm_id, idempotency_key)
);
