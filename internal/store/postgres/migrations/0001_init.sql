-- Initial schema. Ids that lists page through are COLLATE "C", so that
-- keyset order is byte order whatever the database's collation, as in SQLite.

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value bytea
);

CREATE TABLE tenants (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE keys (
    tenant     text NOT NULL,
    purpose    text NOT NULL,
    version    bigint NOT NULL,
    wrapped    bytea,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, purpose, version)
);

CREATE TABLE api_keys (
    id         text COLLATE "C" PRIMARY KEY,
    tenant     text NOT NULL,
    name       text NOT NULL,
    scopes     text NOT NULL,
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);

CREATE INDEX api_keys_tenant_id ON api_keys (tenant, id);

CREATE TABLE cards (
    id            text COLLATE "C" PRIMARY KEY,
    tenant        text NOT NULL,
    fingerprint   text NOT NULL,
    bin           text NOT NULL,
    last4         text NOT NULL,
    scheme        text NOT NULL,
    exp_month     integer NOT NULL,
    exp_year      integer NOT NULL,
    reference     text NOT NULL,
    metadata      bytea,
    sealed_pan    bytea,
    sealed_holder bytea,
    sealed_extra  bytea,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    expires_at    timestamptz
);

CREATE INDEX cards_tenant_id ON cards (tenant, id);
CREATE INDEX cards_tenant_fingerprint ON cards (tenant, fingerprint);
CREATE INDEX cards_expires_at ON cards (expires_at);

-- key is NULL when a record has no lookup key, so any number of records
-- may lack one while set keys stay unique per tenant and kind.
CREATE TABLE records (
    kind       text NOT NULL,
    id         text COLLATE "C" NOT NULL,
    tenant     text NOT NULL,
    key        text,
    parent     text NOT NULL DEFAULT '',
    data       bytea,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    expires_at timestamptz,
    PRIMARY KEY (kind, id),
    UNIQUE (tenant, kind, key)
);

CREATE INDEX records_tenant_kind_parent_id ON records (tenant, kind, parent, id);
CREATE INDEX records_tenant_kind_id ON records (tenant, kind, id);
CREATE INDEX records_expires_at ON records (expires_at);
