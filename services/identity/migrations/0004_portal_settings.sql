-- Which sign-in methods a firm's customers may use, whether new contacts get portal access,
-- and personal secret links (hashed; every use logged).
ALTER TABLE firms
    ADD COLUMN sign_in_methods       text[] NOT NULL DEFAULT '{password,magic_link,eid}',
    ADD COLUMN portal_access_default boolean NOT NULL DEFAULT false;

CREATE TABLE secret_links (
    contact_id uuid PRIMARY KEY REFERENCES contacts,
    firm_id    uuid NOT NULL REFERENCES firms,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE secret_link_uses (
    id         bigserial PRIMARY KEY,
    firm_id    uuid NOT NULL REFERENCES firms,
    contact_id uuid NOT NULL REFERENCES contacts,
    source     text NOT NULL,
    used_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX secret_link_uses_contact ON secret_link_uses (contact_id, used_at);
