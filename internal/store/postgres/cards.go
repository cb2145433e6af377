package postgres

import (
	"context"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// cardColumns are the columns scanCard reads, in order.
const cardColumns = `tenant, id, fingerprint, bin, last4, scheme, exp_month, exp_year,
	reference, metadata, sealed_pan, sealed_holder, sealed_extra,
	created_at, updated_at, expires_at, integrity`

// scanCard reads one row of cardColumns.
func scanCard(sc scanner) (vault.Card, error) { return scanCardAnd(sc) }

// scanCardAnd reads a row that starts with cardColumns, and into more the
// columns that follow them (a joined row's).
func scanCardAnd(sc scanner, more ...any) (vault.Card, error) {
	var (
		c                vault.Card
		created, updated time.Time
		expires          *time.Time
	)
	err := sc.Scan(append([]any{&c.Tenant, &c.ID, &c.Fingerprint, &c.BIN, &c.Last4, &c.Scheme,
		&c.ExpMonth, &c.ExpYear, &c.Reference, &c.Metadata,
		&c.SealedPAN, &c.SealedHolder, &c.SealedExtra, &created, &updated, &expires, &c.Integrity}, more...)...)
	if err != nil {
		return vault.Card{}, err
	}
	c.Metadata = unblob(c.Metadata)
	c.SealedPAN = unblob(c.SealedPAN)
	c.SealedHolder = unblob(c.SealedHolder)
	c.SealedExtra = unblob(c.SealedExtra)
	c.Integrity = unblob(c.Integrity)
	c.CreatedAt = fromTS(created)
	c.UpdatedAt = fromTS(updated)
	c.ExpiresAt = fromNullTS(expires)
	return c, nil
}

// CreateCard stores a card; ErrConflict if its id exists.
// In the AtCommit view it is held (vault.CommitHolder).
func (s *store) CreateCard(ctx context.Context, c vault.Card) error {
	args := []any{c.Tenant, c.ID, c.Fingerprint, c.BIN, c.Last4, c.Scheme, c.ExpMonth, c.ExpYear,
		c.Reference, blob(c.Metadata), blob(c.SealedPAN), blob(c.SealedHolder), blob(c.SealedExtra),
		ts(c.CreatedAt), ts(c.UpdatedAt), nullTS(c.ExpiresAt), blob(c.Integrity)}
	if s.hold {
		s.tx.hold("create card", insertCardSQL, args)
		return nil
	}
	tag, err := s.q.Exec(ctx, insertCardSQL+` ON CONFLICT DO NOTHING`, args...)
	return inserted("create card", tag.RowsAffected(), err)
}

// insertCardSQL inserts one card; a taken id is a unique violation.
const insertCardSQL = `INSERT INTO cards (` + cardColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`

// GetCard returns a live card of the tenant or ErrNotFound.
func (s *store) GetCard(ctx context.Context, tenant, id string, now time.Time) (vault.Card, error) {
	c, err := scanCard(s.q.QueryRow(ctx, `SELECT `+cardColumns+` FROM cards
		WHERE tenant = $1 AND id = $2 AND (expires_at IS NULL OR expires_at > $3)`,
		tenant, id, ts(now)))
	if err != nil {
		return vault.Card{}, opErr("get card", err)
	}
	return c, nil
}

// UpdateCard replaces every column of a live card but its tenant, id and
// CreatedAt; a zero UpdatedAt is stored as now. ErrNotFound if absent.
func (s *store) UpdateCard(ctx context.Context, c vault.Card, now time.Time) error {
	updated := c.UpdatedAt
	if updated.IsZero() {
		updated = now
	}
	tag, err := s.q.Exec(ctx, `UPDATE cards SET
		fingerprint = $1, bin = $2, last4 = $3, scheme = $4, exp_month = $5, exp_year = $6,
		reference = $7, metadata = $8, sealed_pan = $9, sealed_holder = $10, sealed_extra = $11,
		updated_at = $12, expires_at = $13, integrity = $14
		WHERE tenant = $15 AND id = $16 AND (expires_at IS NULL OR expires_at > $17)`,
		c.Fingerprint, c.BIN, c.Last4, c.Scheme, c.ExpMonth, c.ExpYear,
		c.Reference, blob(c.Metadata), blob(c.SealedPAN), blob(c.SealedHolder), blob(c.SealedExtra),
		ts(updated), nullTS(c.ExpiresAt), blob(c.Integrity),
		c.Tenant, c.ID, ts(now))
	if err != nil {
		return opErr("update card", err)
	}
	return affected("update card", tag)
}

// DeleteCard removes a card, live or expired; ErrNotFound if absent.
func (s *store) DeleteCard(ctx context.Context, tenant, id string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM cards WHERE tenant = $1 AND id = $2`, tenant, id)
	if err != nil {
		return opErr("delete card", err)
	}
	return affected("delete card", tag)
}

// ListCards pages through a tenant's live cards in id order.
func (s *store) ListCards(ctx context.Context, tenant string, p vault.Page, now time.Time) ([]vault.Card, error) {
	rows, err := s.q.Query(ctx, `SELECT `+cardColumns+` FROM cards
		WHERE tenant = $1 AND id > $2 AND (expires_at IS NULL OR expires_at > $3)
		ORDER BY id LIMIT $4`, tenant, p.After, ts(now), pageLimit(p))
	cards, err := collect(rows, err, scanCard)
	if err != nil {
		return nil, opErr("list cards", err)
	}
	return cards, nil
}

// CardsByFingerprint returns a tenant's live cards with that fingerprint, in id order.
func (s *store) CardsByFingerprint(ctx context.Context, tenant, fingerprint string, now time.Time) ([]vault.Card, error) {
	rows, err := s.q.Query(ctx, `SELECT `+cardColumns+` FROM cards
		WHERE tenant = $1 AND fingerprint = $2 AND (expires_at IS NULL OR expires_at > $3)
		ORDER BY id`, tenant, fingerprint, ts(now))
	cards, err := collect(rows, err, scanCard)
	if err != nil {
		return nil, opErr("cards by fingerprint", err)
	}
	return cards, nil
}
