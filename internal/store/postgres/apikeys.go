package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// apiKeyColumns are the columns scanAPIKey reads, in order.
const apiKeyColumns = `id, tenant, name, scopes, hash, created_at, expires_at, revoked_at, integrity`

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(sc scanner) (vault.APIKey, error) {
	var (
		k                vault.APIKey
		scopes           string
		created          time.Time
		expires, revoked *time.Time
	)
	if err := sc.Scan(&k.ID, &k.Tenant, &k.Name, &scopes, &k.Hash, &created, &expires, &revoked, &k.Integrity); err != nil {
		return vault.APIKey{}, err
	}
	k.Scopes = vault.SplitScopes(scopes)
	k.CreatedAt = fromTS(created)
	k.ExpiresAt = fromNullTS(expires)
	k.RevokedAt = fromNullTS(revoked)
	k.Integrity = unblob(k.Integrity)
	return k, nil
}

// CreateAPIKey stores an API key; ErrConflict if its id or hash exists.
func (s *store) CreateAPIKey(ctx context.Context, k vault.APIKey) error {
	tag, err := s.q.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
		k.ID, k.Tenant, k.Name, vault.JoinScopes(k.Scopes), k.Hash,
		ts(k.CreatedAt), nullTS(k.ExpiresAt), nullTS(k.RevokedAt), blob(k.Integrity))
	return inserted("create api key", tag.RowsAffected(), err)
}

// APIKeyByHash returns the key with that secret hash, revoked or not, or ErrNotFound.
func (s *store) APIKeyByHash(ctx context.Context, hash []byte) (vault.APIKey, error) {
	k, err := scanAPIKey(s.q.QueryRow(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return vault.APIKey{}, opErr("api key by hash", err)
	}
	return k, nil
}

// GetAPIKey returns one of a tenant's keys or ErrNotFound.
func (s *store) GetAPIKey(ctx context.Context, tenant, id string) (vault.APIKey, error) {
	k, err := scanAPIKey(s.q.QueryRow(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant = $1 AND id = $2`, tenant, id))
	if err != nil {
		return vault.APIKey{}, opErr("get api key", err)
	}
	return k, nil
}

// ListAPIKeys pages through a tenant's keys, revoked and expired ones
// included, in id order.
func (s *store) ListAPIKeys(ctx context.Context, tenant string, p vault.Page) ([]vault.APIKey, error) {
	rows, err := s.q.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant = $1 AND id > $2 ORDER BY id LIMIT $3`, tenant, p.After, pageLimit(p))
	keys, err := collect(rows, err, scanAPIKey)
	if err != nil {
		return nil, opErr("list api keys", err)
	}
	return keys, nil
}

// UpdateAPIKey sets a live key's name, scopes and integrity tag only if
// its tag is now old; ErrNotFound if absent or revoked, ErrConflict if the
// tag differs.
func (s *store) UpdateAPIKey(ctx context.Context, k vault.APIKey, old []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE api_keys SET name = $1, scopes = $2, integrity = $3
		WHERE tenant = $4 AND id = $5 AND revoked_at IS NULL AND integrity IS NOT DISTINCT FROM $6`,
		k.Name, vault.JoinScopes(k.Scopes), blob(k.Integrity), k.Tenant, k.ID, blob(old))
	return s.swapped(ctx, "update api key", tag, err, liveAPIKey, k.Tenant, k.ID)
}

// RevokeAPIKey marks a key revoked at the given (non-zero) time, with its
// new integrity tag, only if its tag is now old; ErrNotFound if it does not
// exist or is already revoked, ErrConflict if the tag differs.
func (s *store) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error {
	if at.IsZero() {
		return errors.New("postgres: revoke api key: zero revocation time")
	}
	tag, err := s.q.Exec(ctx, `UPDATE api_keys SET revoked_at = $1, integrity = $2
		WHERE tenant = $3 AND id = $4 AND revoked_at IS NULL AND integrity IS NOT DISTINCT FROM $5`,
		ts(at), blob(integrity), tenant, id, blob(old))
	return s.swapped(ctx, "revoke api key", tag, err, liveAPIKey, tenant, id)
}

// liveAPIKey finds an unrevoked key by tenant and id, telling a lost
// compare and swap (ErrConflict) from a missing or revoked key.
const liveAPIKey = `SELECT 1 FROM api_keys WHERE tenant = $1 AND id = $2 AND revoked_at IS NULL`
