-- Replicas of identity's facts name the time of the last event applied `changed_at`, as in
-- every service (issue 21); `updated_at` stays on the rows this service owns. A contact's
-- portal access has a clock of its own, `access_changed_at`, beside the name's.
ALTER TABLE clients RENAME COLUMN updated_at TO changed_at;
ALTER TABLE staff_assignments RENAME COLUMN updated_at TO changed_at;
ALTER TABLE contacts RENAME COLUMN updated_at TO changed_at;
ALTER TABLE relationships RENAME COLUMN updated_at TO changed_at;
