-- Identity's facts are named alike in every service that keeps a replica of them (issue 21):
-- the contact-client link replica is `relationships` (flag `linked`), the staff-client
-- assignment replica is `staff_assignments` (flag `assigned`); both already carry `changed_at`.
ALTER TABLE links RENAME TO relationships;
ALTER TABLE relationships RENAME CONSTRAINT links_pkey TO relationships_pkey;
ALTER INDEX links_client RENAME TO relationships_client;

ALTER TABLE assignments RENAME TO staff_assignments;
ALTER TABLE staff_assignments RENAME CONSTRAINT assignments_pkey TO staff_assignments_pkey;
ALTER INDEX assignments_client RENAME TO staff_assignments_client;
