-- Identity's facts named alike in every service that keeps them (issue 21): the contact–client
-- link replica is `relationships` with flag `linked`; the staff–client assignment replica is
-- `staff_assignments` with flag `assigned`; `changed_at` (already so here) is the time of the
-- last applied event. Renames only: no row changes.
ALTER TABLE staff_assignments RENAME COLUMN linked TO assigned;
ALTER TABLE client_contacts RENAME TO relationships;
ALTER INDEX client_contacts_pkey RENAME TO relationships_pkey;
