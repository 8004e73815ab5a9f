-- A firm's branding (shown to its customers in the portal and in mails) and its portal
-- address. The logo's bytes are in S3 (`logo_key`); `logo_sha256` names the version, so a
-- changed logo has a new URL and an unchanged one caches.
ALTER TABLE firms
    ADD COLUMN display_name  text,
    ADD COLUMN primary_color text,
    ADD COLUMN accent_color  text,
    ADD COLUMN logo_key      text,
    ADD COLUMN logo_type     text,
    ADD COLUMN logo_sha256   text,
    ADD COLUMN logo_size     integer;

-- Every portal address a firm holds: its current one (`retired_at` null) and the ones it left,
-- which redirect to the current one and stay the firm's until `free_at` (90 days). One table,
-- one primary key, so two firms racing for one address cannot both get it.
CREATE TABLE portal_slugs (
    slug       text PRIMARY KEY,
    firm_id    uuid NOT NULL REFERENCES firms,
    claimed_at timestamptz NOT NULL,
    retired_at timestamptz,
    free_at    timestamptz,
    CHECK ((retired_at IS NULL) = (free_at IS NULL))
);
CREATE UNIQUE INDEX portal_slugs_current ON portal_slugs (firm_id) WHERE retired_at IS NULL;
