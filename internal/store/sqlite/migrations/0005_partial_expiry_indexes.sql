-- Expiry indexes only over rows that expire. Most cards and almost every
-- record (audit entries, keys, settings) never expire, yet each insert also
-- wrote a NULL entry into these indexes: one more b-tree, and one more page
-- in the write-ahead log, per write. The only queries that use them look
-- for expires_at <= ?, which SQLite knows implies expires_at IS NOT NULL,
-- so they use the partial indexes exactly as before.
DROP INDEX cards_expires_at;
CREATE INDEX cards_expires_at ON cards (expires_at) WHERE expires_at IS NOT NULL;
DROP INDEX records_expires_at;
CREATE INDEX records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL;
