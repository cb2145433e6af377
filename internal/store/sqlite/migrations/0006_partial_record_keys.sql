-- The unique key and the parent index only over records that have them.
-- Audit entries and pending audit events, the records written (and, for
-- pending events, deleted again) on every stored card, have neither: each
-- insert and delete still wrote a NULL key and an empty parent into two
-- more b-trees, inside the group committer's serial section. The UNIQUE
-- constraint was an index of the table's own, which only a rebuild drops;
-- NULL keys never conflicted, so the partial unique index enforces exactly
-- what it did. Lookups by key (key = ?) imply key IS NOT NULL and use it as
-- before; the store's queries by parent say parent <> '' to use theirs.
-- The copy holds the write lock: on a large vault the first start after an
-- upgrade takes seconds (300,000 records: about 5 s), and a second process
-- opening the file meanwhile gives up after its busy timeout.
CREATE TABLE records_new (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    key        TEXT,
    parent     TEXT NOT NULL DEFAULT '',
    data       BLOB,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (kind, id)
) STRICT;
INSERT INTO records_new (kind, id, tenant, key, parent, data, version, created_at, updated_at, expires_at)
    SELECT kind, id, tenant, key, parent, data, version, created_at, updated_at, expires_at FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE UNIQUE INDEX records_tenant_kind_key ON records (tenant, kind, key) WHERE key IS NOT NULL;
CREATE INDEX records_tenant_kind_parent_id ON records (tenant, kind, parent, id) WHERE parent <> '';
CREATE INDEX records_tenant_kind_id ON records (tenant, kind, id);
CREATE INDEX records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL;
