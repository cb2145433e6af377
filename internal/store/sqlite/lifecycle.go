package sqlite

import (
	"context"
	"database/sql"

	"github.com/cardvault/cardvault/internal/vault"
)

// ReplaceMeta sets a value only if it is now old; ErrNotFound or ErrConflict.
func (s *store) ReplaceMeta(ctx context.Context, key string, old, value []byte) error {
	res, err := s.w.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ? AND value IS ?`, blob(value), key, blob(old))
	return s.swapped(ctx, "replace meta", res, err, `SELECT 1 FROM meta WHERE key = ?`, key)
}

// ReplaceKey sets a key's wrapped bytes only if they are now old.
func (s *store) ReplaceKey(ctx context.Context, k vault.WrappedKey, old []byte) error {
	res, err := s.w.ExecContext(ctx, `UPDATE keys SET wrapped = ? WHERE tenant = ? AND purpose = ? AND version = ? AND wrapped IS ?`,
		blob(k.Wrapped), k.Tenant, k.Purpose, int64(k.Version), blob(old))
	return s.swapped(ctx, "replace key", res, err, `SELECT 1 FROM keys WHERE tenant = ? AND purpose = ? AND version = ?`,
		k.Tenant, k.Purpose, int64(k.Version))
}

// ResealCard sets a card's sealed columns only if they are now old's.
func (s *store) ResealCard(ctx context.Context, c, old vault.Card) error {
	res, err := s.w.ExecContext(ctx, `UPDATE cards SET sealed_pan = ?, sealed_holder = ?, sealed_extra = ?
		WHERE tenant = ? AND id = ? AND sealed_pan IS ? AND sealed_holder IS ? AND sealed_extra IS ?`,
		blob(c.SealedPAN), blob(c.SealedHolder), blob(c.SealedExtra), c.Tenant, c.ID,
		blob(old.SealedPAN), blob(old.SealedHolder), blob(old.SealedExtra))
	return s.swapped(ctx, "reseal card", res, err, `SELECT 1 FROM cards WHERE tenant = ? AND id = ?`, c.Tenant, c.ID)
}

// swapped turns the outcome of a compare-and-swap UPDATE into nil,
// ErrConflict (the row exists with other values) or ErrNotFound.
func (s *store) swapped(ctx context.Context, op string, res sql.Result, err error, exists string, args ...any) error {
	if err != nil {
		return opErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return opErr(op, err)
	}
	if n == 1 {
		return nil
	}
	var one int
	if err := s.w.QueryRowContext(ctx, exists, args...).Scan(&one); err != nil {
		return opErr(op, err)
	}
	return conflict(op)
}
