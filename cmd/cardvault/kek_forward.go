package main

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// withKEK embeds the store as an interface, which hides the store's
// optional interfaces. CardWithRecord is forwarded, so that a forward reads
// its card and held security code in one statement (without it the vault
// falls back to two reads).
var _ vault.CardRecordReader = withKEK{}

// CardWithRecord forwards to the store (vault.CardRecordReader).
func (s withKEK) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	return vault.CardWithRecord(ctx, s.storeCloser, tenant, id, kind, now)
}
