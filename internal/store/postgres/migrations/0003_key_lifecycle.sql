-- Key lifecycle: a tenant can be disabled (its API keys stop working at once).
ALTER TABLE tenants ADD COLUMN disabled_at timestamptz;
