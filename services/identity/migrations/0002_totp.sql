-- Optional TOTP second factor (staff): the secret sealed like signing keys; the last accepted
-- time step is kept so one code cannot be used twice.
ALTER TABLE accounts
    ADD COLUMN totp_secret    bytea,
    ADD COLUMN totp_enabled   boolean NOT NULL DEFAULT false,
    ADD COLUMN totp_last_step bigint;
