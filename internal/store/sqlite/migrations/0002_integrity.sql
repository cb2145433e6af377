-- Integrity tags: a MAC, made by the vault under a key derived from the
-- master key, over the clear columns of each API key and card. The store
-- only keeps them; a row whose tag does not verify is refused on read.
-- Rows written before this migration have none and are refused too.
ALTER TABLE api_keys ADD COLUMN integrity BLOB;
ALTER TABLE cards ADD COLUMN integrity BLOB;
