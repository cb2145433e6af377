package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

var _ vault.CardRecordReader = (*store)(nil)

// cardWithRecordQuery reads a card and the record attached to it in one
// statement (one read transaction, one WAL read lock): the card by its
// primary key, the record by (kind, id) through the left join, so a card
// without a live record still comes back, with NULL record columns.
// Outside a transaction it runs on the point-read pool (pointread.go), like
// GetCard and GetRecord: one prepared statement, its row copied once.
const cardWithRecordQuery = `SELECT c.tenant, c.id, c.fingerprint, c.bin, c.last4, c.scheme, c.exp_month, c.exp_year,
	c.reference, c.metadata, c.sealed_pan, c.sealed_holder, c.sealed_extra,
	c.created_at, c.updated_at, c.expires_at, c.integrity,
	r.key, r.parent, r.data, r.version, r.created_at, r.updated_at, r.expires_at
	FROM cards c LEFT JOIN records r
		ON r.kind = ? AND r.id = c.id AND r.tenant = c.tenant AND (r.expires_at IS NULL OR r.expires_at > ?)
	WHERE c.tenant = ? AND c.id = ? AND (c.expires_at IS NULL OR c.expires_at > ?)`

// CardWithRecord returns the tenant's live card id, or ErrNotFound, and the
// live record of kind whose id is the card's id in the card's tenant, when
// there is one (vault.CardRecordReader). Inside a transaction it reads
// through the transaction, and sees its writes.
func (s *store) CardWithRecord(ctx context.Context, tenant, id, kind string, now time.Time) (vault.Card, vault.Record, bool, error) {
	at := micros(now)
	c, r, found, err := scanCardWithRecord(s.row(ctx, cardWithRecordQuery, kind, at, tenant, id, at), kind)
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
		rKey, rParent      sql.NullString
		rVersion           sql.NullInt64
		rCreated, rUpdated sql.NullInt64
		rExpires           sql.NullInt64
	)
	c, err := scanCardAnd(sc, &rKey, &rParent, &r.Data, &rVersion, &rCreated, &rUpdated, &rExpires)
	if err != nil {
		return vault.Card{}, vault.Record{}, false, err
	}
	if !rVersion.Valid { // NOT NULL in every row: NULL means the join found none
		return c, vault.Record{}, false, nil
	}
	r.Tenant, r.Kind, r.ID, r.Key, r.Parent = c.Tenant, kind, c.ID, rKey.String, rParent.String
	r.Data = unblob(r.Data)
	r.Version = rVersion.Int64
	r.CreatedAt = fromMicros(rCreated.Int64)
	r.UpdatedAt = fromMicros(rUpdated.Int64)
	r.ExpiresAt = fromNullMicros(rExpires)
	return c, r, true, nil
}
