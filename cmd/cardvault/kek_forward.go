package main

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// withKEK embeds the store as an interface, which hides the store's
// optional methods; these forward them. CardWithRecord, so that a forward
// reads its card and held security code in one statement (without it the
// vault falls back to two reads); the batch record writes, for callers
// outside a transaction; BehindPooler, so that serve still logs that the
// PostgreSQL URL leads to a connection pooler. Each falls back as the
// vault's helper does when the store lacks the method.
var (
	_ vault.CardRecordReader = withKEK{}
	_ vault.RecordBatcher    = withKEK{}
	_ vault.RecordIDDeleter  = withKEK{}
	_ behindPooler           = withKEK{}
)

// behindPooler is a store that knows whether its database URL leads to a
// connection pooler (the PostgreSQL store).
type behindPooler interface{ BehindPooler() bool }

// CardWithRecord forwards to the store (vault.CardRecordReader).
func (s withKEK) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	return vault.CardWithRecord(ctx, s.storeCloser, tenant, id, kind, now)
}

// CreateRecords forwards to the store (vault.RecordBatcher).
func (s withKEK) CreateRecords(ctx context.Context, records []vault.Record) error {
	return vault.CreateRecords(ctx, s.storeCloser, records)
}

// DeleteRecordIDs forwards to the store (vault.RecordIDDeleter).
func (s withKEK) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	return vault.DeleteRecordIDs(ctx, s.storeCloser, tenant, kind, ids)
}

// BehindPooler reports the store's answer, false for a store without one.
func (s withKEK) BehindPooler() bool {
	p, ok := s.storeCloser.(behindPooler)
	return ok && p.BehindPooler()
}
