-- Sessions say how they were opened and what that proves (ARCHITECTURE §4): the method, whether
-- a TOTP code was given, the personal number an eID proved, and an absolute end. A secret-link
-- or eID session may have no account at all: it proves a contact, not an email.
ALTER TABLE sessions
    ALTER COLUMN account_id DROP NOT NULL,
    ADD COLUMN method text NOT NULL DEFAULT 'password'
        CHECK (method IN ('password', 'magic_link', 'secret_link', 'eid')),
    ADD COLUMN second_factor boolean NOT NULL DEFAULT false,
    ADD COLUMN personal_number_digest bytea,
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '30 days';
ALTER TABLE sessions ALTER COLUMN method DROP DEFAULT;

-- An invitation is bound to the address its link was mailed to: registering with it proves
-- that address, and only that one.
ALTER TABLE invitations ADD COLUMN email text;

-- A personal number an account proved itself by eID (keyed digest, never the number).
ALTER TABLE accounts ADD COLUMN personal_number_digest bytea;
CREATE UNIQUE INDEX accounts_personal_number ON accounts (personal_number_digest);

-- Contacts' personal numbers at rest: sealed (AES-GCM) for reading back, a keyed digest for
-- lookups and uniqueness. Rows from before are converted at start-up, then `personal_number`
-- is emptied (it goes in a later migration once every replica runs this code).
ALTER TABLE contacts
    ADD COLUMN personal_number_sealed bytea,
    ADD COLUMN personal_number_digest bytea;
CREATE UNIQUE INDEX contacts_firm_personal_number_digest
    ON contacts (firm_id, personal_number_digest);
CREATE INDEX contacts_personal_number_digest ON contacts (personal_number_digest)
    WHERE portal_access;

-- eID orders keep only the digest of the number they were started for, and when the provider
-- confirmed it: BankID answers a completed order once, and the person may still have to give
-- an email before the sign-in goes on. The QR pair animates the code another device scans; its
-- secret stays here, sealed, and only the QR data made from it leaves.
ALTER TABLE eid_orders
    ALTER COLUMN personal_number DROP NOT NULL,
    ADD COLUMN personal_number_digest bytea,
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN qr_start_token text,
    ADD COLUMN qr_start_secret bytea,
    ADD COLUMN started_at timestamptz NOT NULL DEFAULT now();
UPDATE eid_orders SET personal_number = NULL, expires_at = least(expires_at, now());

-- Firm sign-up waits for the owner to open the link mailed to them; nothing else is created
-- before that. The details wait here, the token only as a hash.
CREATE TABLE sign_ups (
    token_hash  bytea PRIMARY KEY,
    email       text NOT NULL,
    details     jsonb NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_ups_expiry ON sign_ups (expires_at);

-- After a first factor, a staff context whose account has TOTP on waits for the code here:
-- short-lived, single use, bound to the account and to what the first factor proved.
CREATE TABLE totp_challenges (
    token_hash   bytea PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts,
    method       text NOT NULL CHECK (method IN ('password', 'magic_link')),
    firm_id      uuid,
    client_id    uuid,
    attempts     integer NOT NULL DEFAULT 0,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- Failed sign-ins are counted per (account, source) so strangers cannot lock an account.
CREATE INDEX sign_in_failures_email_source ON sign_in_failures (lower(email), source, failed_at);

-- eID is off for every firm until the operator configures a real provider and the firm turns
-- it on; the local test provider confirms any number by itself.
ALTER TABLE firms ALTER COLUMN sign_in_methods SET DEFAULT '{password,magic_link}';
UPDATE firms SET sign_in_methods = array_remove(sign_in_methods, 'eid')
    WHERE 'eid' = ANY (sign_in_methods) AND cardinality(sign_in_methods) > 1;
UPDATE firms SET sign_in_methods = '{password,magic_link}' WHERE sign_in_methods = '{eid}';
