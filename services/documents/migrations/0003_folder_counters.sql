-- A client's folder listing shows each folder's document count and bytes. Summing them over
-- the folder's documents on every listing took milliseconds per thousand documents; the
-- folder row keeps them instead. A trigger maintains them, so that no write path (upload, new
-- version, delete, a signed PDF stored back) can forget to; the upload path already holds
-- the folder's row lock when it adds a document, so this adds no waiting.
ALTER TABLE folders
    ADD COLUMN document_count int NOT NULL DEFAULT 0,
    ADD COLUMN document_bytes bigint NOT NULL DEFAULT 0;

UPDATE folders f SET document_count = t.n, document_bytes = t.bytes
  FROM (SELECT folder_id, count(*) AS n, coalesce(sum(size), 0) AS bytes
          FROM documents GROUP BY folder_id) AS t
 WHERE f.id = t.folder_id;

CREATE FUNCTION count_documents_in_folder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE folders SET document_count = document_count - 1,
                           document_bytes = document_bytes - OLD.size
         WHERE id = OLD.folder_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE folders SET document_count = document_count + 1,
                           document_bytes = document_bytes + NEW.size
         WHERE id = NEW.folder_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER documents_counted_in_folder
    AFTER INSERT OR DELETE OR UPDATE OF folder_id, size ON documents
    FOR EACH ROW EXECUTE FUNCTION count_documents_in_folder();

DROP INDEX documents_folder_totals;
