-- One name per fact across services (issue 21): a staff member's assignment to a client is
-- `staff_assignments` everywhere, here and in every replica of it.
ALTER TABLE staff_clients RENAME TO staff_assignments;
ALTER TABLE staff_assignments RENAME CONSTRAINT staff_clients_pkey TO staff_assignments_pkey;
ALTER TABLE staff_assignments
    RENAME CONSTRAINT staff_clients_firm_id_fkey TO staff_assignments_firm_id_fkey;
ALTER TABLE staff_assignments
    RENAME CONSTRAINT staff_clients_staff_id_fkey TO staff_assignments_staff_id_fkey;
ALTER TABLE staff_assignments
    RENAME CONSTRAINT staff_clients_client_id_fkey TO staff_assignments_client_id_fkey;
ALTER INDEX staff_clients_client RENAME TO staff_assignments_client;
