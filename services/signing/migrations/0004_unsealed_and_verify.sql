-- Issue 19. `unsealed`: why the last attempt to seal a fully signed request failed (no timestamp
-- authority answered, revocation data could not be fetched); cleared when the seal is made.
-- Staff see it in needs-attention while the completion job retries. Nullable, no default:
-- replicas still running the previous code neither read nor write it.
ALTER TABLE signings ADD COLUMN unsealed text;

-- The public verify endpoint finds a file's own request by the SHA-256 of the sealed bytes.
CREATE INDEX signings_sealed_sha256 ON signings (sealed_sha256) WHERE sealed_sha256 IS NOT NULL;
