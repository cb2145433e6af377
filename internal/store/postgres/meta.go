package postgres

import "context"

// InsertMeta stores a vault-wide value once; ErrConflict if key exists.
func (s *store) InsertMeta(ctx context.Context, key string, value []byte) error {
	tag, err := s.q.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		key, blob(value))
	return inserted("insert meta", tag.RowsAffected(), err)
}

// GetMeta returns a vault-wide value or ErrNotFound.
func (s *store) GetMeta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	if err := s.q.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v); err != nil {
		return nil, opErr("get meta", err)
	}
	return unblob(v), nil
}

// inserted turns the outcome of an INSERT … ON CONFLICT DO NOTHING into
// ErrConflict when no row went in. Skipping the row instead of failing keeps
// an enclosing transaction usable.
func inserted(op string, rows int64, err error) error {
	switch {
	case err != nil:
		return opErr(op, err)
	case rows == 0:
		return conflict(op)
	}
	return nil
}
