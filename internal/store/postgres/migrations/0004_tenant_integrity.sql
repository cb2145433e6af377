-- Integrity tags on tenants: a MAC, made by the vault under the integrity
-- key, over every column of a tenant (whether it is disabled, above all).
-- The store only keeps it; a row whose tag does not verify is refused on
-- read and its tenant treated as disabled. Rows from before this migration
-- are tagged once by the vault at its next start (vault/integrity_tenants.go).
ALTER TABLE tenants ADD COLUMN integrity bytea;
