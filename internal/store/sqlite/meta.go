package sqlite

import (
	"context"
)

// InsertMeta stores a vault-wide value once; ErrConflict if key exists.
func (s *store) InsertMeta(ctx context.Context, key string, value []byte) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, key, blob(value))
	if err != nil {
		return opErr("insert meta", err)
	}
	return nil
}

// GetMeta returns a vault-wide value or ErrNotFound.
func (s *store) GetMeta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	if err := s.row(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v); err != nil {
		return nil, opErr("get meta", err)
	}
	return unblob(v), nil
}
