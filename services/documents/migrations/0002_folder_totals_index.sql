-- A client's folder listing shows each folder's document count and bytes. This index holds
-- everything that aggregate reads, so it is answered from the index alone (an index-only
-- scan once autovacuum has marked the pages visible) instead of one heap fetch per document.
CREATE INDEX documents_folder_totals ON documents (firm_id, folder_id) INCLUDE (size);
