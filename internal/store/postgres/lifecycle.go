package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cardvault/cardvault/internal/vault"
)

// ReplaceMeta sets a value only if it is now old; ErrNotFound or ErrConflict.
func (s *store) ReplaceMeta(ctx context.Context, key string, old, value []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = $2 AND value IS NOT DISTINCT FROM $3`, blob(value), key, blob(old))
	return s.swapped(ctx, "replace meta", tag, err, `SELECT 1 FROM meta WHERE key = $1`, key)
}

// ReplaceKey sets a key's wrapped bytes only if they are now old.
func (s *store) ReplaceKey(ctx context.Context, k vault.WrappedKey, old []byte) error {
	tag, err := s.q.Exec(ctx, `UPDATE keys SET wrapped = $1 WHERE tenant = $2 AND purpose = $3 AND version = $4
		AND wrapped IS NOT DISTINCT FROM $5`, blob(k.Wrapped), k.Tenant, k.Purpose, int64(k.Version), blob(old))
	return s.swapped(ctx, "replace key", tag, err, `SELECT 1 FROM keys WHERE tenant = $1 AND purpose = $2 AND version = $3`,
		k.Tenant, k.Purpose, int64(k.Version))
}

// ResealCard sets a card's sealed columns only if they are now old's.
func (s *store) ResealCard(ctx context.Context, c, old vault.Card) error {
	tag, err := s.q.Exec(ctx, `UPDATE cards SET sealed_pan = $1, sealed_holder = $2, sealed_extra = $3
		WHERE tenant = $4 AND id = $5 AND sealed_pan IS NOT DISTINCT FROM $6
		AND sealed_holder IS NOT DISTINCT FROM $7 AND sealed_extra IS NOT DISTINCT FROM $8`,
		blob(c.SealedPAN), blob(c.SealedHolder), blob(c.SealedExtra), c.Tenant, c.ID,
		blob(old.SealedPAN), blob(old.SealedHolder), blob(old.SealedExtra))
	return s.swapped(ctx, "reseal card", tag, err, `SELECT 1 FROM cards WHERE tenant = $1 AND id = $2`, c.Tenant, c.ID)
}

// swapped turns the outcome of a compare-and-swap UPDATE into nil,
// ErrConflict (the row exists with other values) or ErrNotFound.
func (s *store) swapped(ctx context.Context, op string, tag pgconn.CommandTag, err error, exists string, args ...any) error {
	if err != nil {
		return opErr(op, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	if err := s.q.QueryRow(ctx, exists, args...).Scan(&one); err != nil {
		return opErr(op, err)
	}
	return conflict(op)
}
