package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// cardColumns are the columns scanCard reads, in order.
const cardColumns = `tenant, id, fingerprint, bin, last4, scheme, exp_month, exp_year,
	reference, metadata, sealed_pan, sealed_holder, sealed_extra,
	created_at, updated_at, expires_at, integrity`

// liveCard is the condition, with one parameter (now), that hides expired cards.
const liveCard = `(expires_at IS NULL OR expires_at > ?)`

// scanCard reads one row of cardColumns.
func scanCard(sc scanner) (vault.Card, error) { return scanCardAnd(sc) }

// scanCardAnd reads a row that starts with cardColumns, and into more the
// columns that follow them (a joined row's).
func scanCardAnd(sc scanner, more ...any) (vault.Card, error) {
	var (
		c                vault.Card
		created, updated int64
		expires          sql.NullInt64
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
	c.CreatedAt = fromMicros(created)
	c.UpdatedAt = fromMicros(updated)
	c.ExpiresAt = fromNullMicros(expires)
	return c, nil
}

// CreateCard stores a card; ErrConflict if its id exists.
func (s *store) CreateCard(ctx context.Context, c vault.Card) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO cards (`+cardColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Tenant, c.ID, c.Fingerprint, c.BIN, c.Last4, c.Scheme, c.ExpMonth, c.ExpYear,
		c.Reference, blob(c.Metadata), blob(c.SealedPAN), blob(c.SealedHolder), blob(c.SealedExtra),
		micros(c.CreatedAt), micros(c.UpdatedAt), nullMicros(c.ExpiresAt), blob(c.Integrity))
	if err != nil {
		return opErr("create card", err)
	}
	return nil
}

// GetCard returns a live card of the tenant or ErrNotFound.
func (s *store) GetCard(ctx context.Context, tenant, id string, now time.Time) (vault.Card, error) {
	c, err := scanCard(s.row(ctx, `SELECT `+cardColumns+` FROM cards
		WHERE tenant = ? AND id = ? AND `+liveCard, tenant, id, micros(now)))
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
	res, err := s.w.ExecContext(ctx, `UPDATE cards SET
		fingerprint = ?, bin = ?, last4 = ?, scheme = ?, exp_month = ?, exp_year = ?,
		reference = ?, metadata = ?, sealed_pan = ?, sealed_holder = ?, sealed_extra = ?,
		updated_at = ?, expires_at = ?, integrity = ?
		WHERE tenant = ? AND id = ? AND `+liveCard,
		c.Fingerprint, c.BIN, c.Last4, c.Scheme, c.ExpMonth, c.ExpYear,
		c.Reference, blob(c.Metadata), blob(c.SealedPAN), blob(c.SealedHolder), blob(c.SealedExtra),
		micros(updated), nullMicros(c.ExpiresAt), blob(c.Integrity),
		c.Tenant, c.ID, micros(now))
	if err != nil {
		return opErr("update card", err)
	}
	return oneRow("update card", res)
}

// DeleteCard removes a card, live or expired; ErrNotFound if absent.
func (s *store) DeleteCard(ctx context.Context, tenant, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM cards WHERE tenant = ? AND id = ?`, tenant, id)
	if err != nil {
		return opErr("delete card", err)
	}
	return oneRow("delete card", res)
}

// ListCards pages through a tenant's live cards in id order.
func (s *store) ListCards(ctx context.Context, tenant string, p vault.Page, now time.Time) ([]vault.Card, error) {
	return s.queryCards(ctx, "list cards", `SELECT `+cardColumns+` FROM cards
		WHERE tenant = ? AND id > ? AND `+liveCard+` ORDER BY id LIMIT ?`,
		tenant, p.After, micros(now), pageLimit(p))
}

// CardsByFingerprint returns a tenant's live cards with that fingerprint, in id order.
// The index is named: without statistics SQLite's planner would rather walk
// all of the tenant's cards in id order (cards_tenant_id) than sort the few
// matches, a full scan that BenchmarkScale (internal/store/scale) caught.
func (s *store) CardsByFingerprint(ctx context.Context, tenant, fingerprint string, now time.Time) ([]vault.Card, error) {
	return s.queryCards(ctx, "cards by fingerprint", `SELECT `+cardColumns+` FROM cards INDEXED BY cards_tenant_fingerprint
		WHERE tenant = ? AND fingerprint = ? AND `+liveCard+` ORDER BY id`,
		tenant, fingerprint, micros(now))
}

// queryCards runs a query over cardColumns.
func (s *store) queryCards(ctx context.Context, op, query string, args ...any) ([]vault.Card, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, opErr(op, err)
	}
	cards, err := collect(rows, scanCard)
	if err != nil {
		return nil, opErr(op, err)
	}
	return cards, nil
}
