-- One database per service (ARCHITECTURE.md §1). Run once by the postgres image on an empty
-- data directory (/docker-entrypoint-initdb.d), as POSTGRES_USER, who owns them all; each
-- service then applies its own migrations to its own database when it starts.
CREATE DATABASE portal_identity;
CREATE DATABASE portal_documents;
CREATE DATABASE portal_signing;
CREATE DATABASE portal_notify;
CREATE DATABASE portal_billing;
