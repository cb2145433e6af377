package metered

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// cardWithRecord is what CardWithRecord answers, for timed.
type cardWithRecord struct {
	card   vault.Card
	record vault.Record
	found  bool
}

// CardWithRecord times a card and record read (vault.CardRecordReader).
func (s *Store) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	v, err := timed(s, "card_with_record", func() (cardWithRecord, error) {
		c, r, found, err := vault.CardWithRecord(ctx, s.next, tenant, id, kind, now)
		return cardWithRecord{c, r, found}, err
	})
	return v.card, v.record, v.found, err
}
