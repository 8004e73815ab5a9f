-- Every notice about a client considers the firm's staff: find them without reading every
-- contact of a large firm.
CREATE INDEX people_staff ON people (firm_id) WHERE kind = 'staff';
