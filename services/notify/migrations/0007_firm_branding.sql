-- A replica of each firm's branding from identity's `identity.firm.branding_changed`: what
-- every mail to the firm's people shows (name, logo, colours) and the firm's portal address.
CREATE TABLE firm_branding (
    firm_id       uuid PRIMARY KEY,
    display_name  text,
    primary_color text,
    accent_color  text,
    logo_url      text,
    portal_url    text,
    changed_at    timestamptz NOT NULL
);
