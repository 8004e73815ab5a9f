-- A purchase repeated with the same key (a retried request, a double click) is made once.
ALTER TABLE credit_purchases ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX credit_purchases_key ON credit_purchases (firm_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
