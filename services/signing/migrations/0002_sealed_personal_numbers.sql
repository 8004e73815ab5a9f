-- Personal identity numbers at rest: sealed with AES-256-GCM (personal_numbers.py), the
-- party's id bound as associated data. Rows written before this keep the number in plain
-- `personal_number`: every replica seals them as it starts, and a job seals those that replicas
-- of the previous release still write during a rolling deploy, clearing the plain column. A
-- later migration drops `personal_number`, once every deployment has run this release.
ALTER TABLE parties ADD COLUMN personal_number_sealed bytea;
-- Finds what is left to seal without reading the whole table; empty once all is sealed.
CREATE INDEX parties_plain_personal_number ON parties (id) WHERE personal_number IS NOT NULL;
