package keycache

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// CardWithRecord forwards a card and record read (vault.CardRecordReader).
func (s *Store) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	return vault.CardWithRecord(ctx, s.Store, tenant, id, kind, now)
}

// CardWithRecord forwards a card and record read (vault.CardRecordReader).
func (t *txStore) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	return vault.CardWithRecord(ctx, t.Store, tenant, id, kind, now)
}
