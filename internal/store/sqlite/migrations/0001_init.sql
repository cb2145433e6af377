-- Initial schema. Every table is STRICT; times are unix microseconds.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB
) STRICT;

CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE keys (
    tenant     TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    wrapped    BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, purpose, version)
) STRICT;

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    tenant     TEXT NOT NULL,
    name       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
) STRICT;

CREATE INDEX api_keys_tenant_id ON api_keys (tenant, id);

CREATE TABLE cards (
    id            TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    bin           TEXT NOT NULL,
    last4         TEXT NOT NULL,
    scheme        TEXT NOT NULL,
    exp_month     INTEGER NOT NULL,
    exp_year      INTEGER NOT NULL,
    reference     TEXT NOT NULL,
    metadata      BLOB,
    sealed_pan    BLOB,
    sealed_holder BLOB,
    sealed_extra  BLOB,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    expires_at    INTEGER
) STRICT;

CREATE INDEX cards_tenant_id ON cards (tenant, id);
CREATE INDEX cards_tenant_fingerprint ON cards (tenant, fingerprint);
CREATE INDEX cards_expires_at ON cards (expires_at);

-- key is NULL when a record has no lookup key, so any number of records
-- may lack one while set keys stay unique per tenant and kind.
CREATE TABLE records (
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
    PRIMARY KEY (kind, id),
    UNIQUE (tenant, kind, key)
) STRICT;

CREATE INDEX records_tenant_kind_parent_id ON records (tenant, kind, parent, id);
CREATE INDEX records_tenant_kind_id ON records (tenant, kind, id);
CREATE INDEX records_expires_at ON records (expires_at);
