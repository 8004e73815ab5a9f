-- The trace context of the event (or command) that queued an email, so that the delivery
-- worker's SMTP send appears in that trace. Older replicas that do not write it leave '{}':
-- their sends start traces of their own.
ALTER TABLE deliveries ADD COLUMN trace_context jsonb NOT NULL DEFAULT '{}';
