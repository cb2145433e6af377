package postgres

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

var _ vault.CardRecordReader = (*store)(nil)

// cardWithRecordQuery reads a card and the record attached to it in one
// round trip: the card by its primary key, the record by (kind, id)
// through the left join, so a card without a live record still comes
// back, with NULL record columns.
const cardWithRecordQuery = `SELECT c.tenant, c.id, c.fingerprint, c.bin, c.last4, c.scheme, c.exp_month, c.exp_year,
	c.reference, c.metadata, c.sealed_pan, c.sealed_holder, c.sealed_extra,
	c.created_at, c.updated_at, c.expires_at, c.integrity,
	r.key, r.parent, r.data, r.version, r.created_at, r.updated_at, r.expires_at
	FROM cards c LEFT JOIN records r
		ON r.kind = $1 AND r.id = c.id AND r.tenant = c.tenant AND (r.expires_at IS NULL OR r.expires_at > $2)
	WHERE c.tenant = $3 AND c.id = $4 AND (c.expires_at IS NULL OR c.expires_at > $2)`

// CardWithRecord returns the tenant's live card id, or ErrNotFound, and the
// live record of kind whose id is the card's id in the card's tenant, when
// there is one (vault.CardRecordReader).
func (s *store) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	c, r, found, err := scanCardWithRecord(s.q.QueryRow(ctx, cardWithRecordQuery, kind, ts(now), tenant, id), kind)
	if err != nil {
		return vault.Card{}, vault.Record{}, false, opErr("card with record", err)
	}
	return c, r, found, nil
}

// scanCardWithRecord reads one row of cardWithRecordQuery: the card's
// columns as scanCard, then the record's, all NULL when it has none. The
// record's tenant, kind and id are not read: the join makes them the
// card's tenant, kind and the card's id.
func scanCardWithRecord(sc scanner, kind string) (vault.Card, vault.Record, bool, error) {
	var (
		r                  vault.Record
		rKey, rParent      *string
		rVersion           *int64
		rCreated, rUpdated *time.Time
		rExpires           *time.Time
	)
	c, err := scanCardAnd(sc, &rKey, &rParent, &r.Data, &rVersion, &rCreated, &rUpdated, &rExpires)
	if err != nil {
		return vault.Card{}, vault.Record{}, false, err
	}
	if rParent == nil || rVersion == nil || rCreated == nil || rUpdated == nil {
		return c, vault.Record{}, false, nil // NOT NULL in every row: NULL means the join found none
	}
	r.Tenant, r.Kind, r.ID, r.Parent = c.Tenant, kind, c.ID, *rParent
	if rKey != nil {
		r.Key = *rKey
	}
	r.Data = unblob(r.Data)
	r.Version = *rVersion
	r.CreatedAt = fromTS(*rCreated)
	r.UpdatedAt = fromTS(*rUpdated)
	r.ExpiresAt = fromNullTS(rExpires)
	return c, r, true, nil
}
