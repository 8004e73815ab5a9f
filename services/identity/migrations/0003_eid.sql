-- eID sign-in orders: started with a personal identity number, collected once.
CREATE TABLE eid_orders (
    order_ref       text PRIMARY KEY,
    personal_number text NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
