package vault

import (
	"context"
	"errors"
	"time"
)

// CardRecordReader is a Store that reads a card together with a record
// attached to it (a record of the card's tenant whose id is the card's id,
// such as a held security code) in one statement: one read lock on SQLite,
// one round trip on PostgreSQL, where two point reads took two. Store
// wrappers forward it.
type CardRecordReader interface {
	// CardWithRecord returns the tenant's live card id, or ErrNotFound,
	// and the live record of kind whose id is the card's id and whose
	// tenant is the card's; found is false when there is none. It answers
	// as GetCard and then GetRecord would (the record restricted to the
	// card's tenant), from one snapshot of the store.
	CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (c Card, r Record, found bool, err error)
}

// CardWithRecord reads a card and the record of kind attached to it
// through st: in one call when st is a CardRecordReader, otherwise with
// GetCard then GetRecord. The store is untrusted either way: callers check
// the card's tag (checkedStore does) and open the record through its
// RecordType, which checks its tenant and binding.
func CardWithRecord(ctx context.Context, st Store, tenant, id, kind string, now time.Time) (Card, Record, bool, error) {
	if rd, ok := st.(CardRecordReader); ok {
		return rd.CardWithRecord(ctx, tenant, id, kind, now)
	}
	c, err := st.GetCard(ctx, tenant, id, now)
	if err != nil {
		return Card{}, Record{}, false, err
	}
	r, err := st.GetRecord(ctx, kind, id, now)
	switch {
	case errors.Is(err, ErrNotFound):
		return c, Record{}, false, nil
	case err != nil:
		return Card{}, Record{}, false, err
	case r.Tenant != c.Tenant:
		return c, Record{}, false, nil
	}
	return c, r, true, nil
}

// CardWithRecord returns a card whose tag verifies and the record attached
// to it, unchecked (records are opened and checked by their RecordType).
func (g *checkedStore) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (Card, Record, bool, error) {
	c, r, found, err := CardWithRecord(ctx, g.Store, tenant, id, kind, now)
	if err != nil {
		return Card{}, Record{}, false, err
	}
	if c, err = g.checkCard(ctx, c); err != nil {
		return Card{}, Record{}, false, err
	}
	return c, r, found, nil
}
