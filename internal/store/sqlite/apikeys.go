package sqlite

import (
	"context"
	"database/sql"
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
		created          int64
		expires, revoked sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &k.Tenant, &k.Name, &scopes, &k.Hash, &created, &expires, &revoked, &k.Integrity); err != nil {
		return vault.APIKey{}, err
	}
	k.Scopes = vault.SplitScopes(scopes)
	k.CreatedAt = fromMicros(created)
	k.ExpiresAt = fromNullMicros(expires)
	k.RevokedAt = fromNullMicros(revoked)
	k.Integrity = unblob(k.Integrity)
	return k, nil
}

// CreateAPIKey stores an API key; ErrConflict if its id or hash exists.
func (s *store) CreateAPIKey(ctx context.Context, k vault.APIKey) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Tenant, k.Name, vault.JoinScopes(k.Scopes), k.Hash,
		micros(k.CreatedAt), nullMicros(k.ExpiresAt), nullMicros(k.RevokedAt), blob(k.Integrity))
	if err != nil {
		return opErr("create api key", err)
	}
	return nil
}

// APIKeyByHash returns the key with that secret hash, revoked or not, or ErrNotFound.
func (s *store) APIKeyByHash(ctx context.Context, hash []byte) (vault.APIKey, error) {
	k, err := scanAPIKey(s.row(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return vault.APIKey{}, opErr("api key by hash", err)
	}
	return k, nil
}

// GetAPIKey returns one of a tenant's keys or ErrNotFound.
func (s *store) GetAPIKey(ctx context.Context, tenant, id string) (vault.APIKey, error) {
	k, err := scanAPIKey(s.row(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant = ? AND id = ?`, tenant, id))
	if err != nil {
		return vault.APIKey{}, opErr("get api key", err)
	}
	return k, nil
}

// ListAPIKeys pages through a tenant's keys, revoked and expired ones
// included, in id order.
func (s *store) ListAPIKeys(ctx context.Context, tenant string, p vault.Page) ([]vault.APIKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`, tenant, p.After, pageLimit(p))
	if err != nil {
		return nil, opErr("list api keys", err)
	}
	keys, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, opErr("list api keys", err)
	}
	return keys, nil
}

// UpdateAPIKey sets a live key's name, scopes and integrity tag only if
// its tag is now old; ErrNotFound if absent or revoked, ErrConflict if the
// tag differs.
func (s *store) UpdateAPIKey(ctx context.Context, k vault.APIKey, old []byte) error {
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys SET name = ?, scopes = ?, integrity = ?
		WHERE tenant = ? AND id = ? AND revoked_at IS NULL AND integrity IS ?`,
		k.Name, vault.JoinScopes(k.Scopes), blob(k.Integrity), k.Tenant, k.ID, blob(old))
	return s.swapped(ctx, "update api key", res, err, liveAPIKey, k.Tenant, k.ID)
}

// RevokeAPIKey marks a key revoked at the given (non-zero) time, with its
// new integrity tag, only if its tag is now old; ErrNotFound if it does not
// exist or is already revoked, ErrConflict if the tag differs.
func (s *store) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, integrity, old []byte) error {
	if at.IsZero() {
		return errors.New("sqlite: revoke api key: zero revocation time")
	}
	res, err := s.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?, integrity = ?
		WHERE tenant = ? AND id = ? AND revoked_at IS NULL AND integrity IS ?`, micros(at), blob(integrity), tenant, id, blob(old))
	return s.swapped(ctx, "revoke api key", res, err, liveAPIKey, tenant, id)
}

// liveAPIKey finds an unrevoked key by tenant and id, telling a lost
// compare and swap (ErrConflict) from a missing or revoked key.
const liveAPIKey = `SELECT 1 FROM api_keys WHERE tenant = ? AND id = ? AND revoked_at IS NULL`

// oneRow returns ErrNotFound unless res affected a row.
func oneRow(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return opErr(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}
