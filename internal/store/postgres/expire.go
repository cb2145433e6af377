package postgres

import (
	"context"
	"time"
)

// DeleteExpired removes up to limit cards and records whose ExpiresAt is not
// after now, cards first, and reports how many went. A limit <= 0 means the
// default page size.
func (s *store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultLimit
	}
	tag, err := s.q.Exec(ctx, `DELETE FROM cards WHERE id IN
		(SELECT id FROM cards WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, ts(now), limit)
	if err != nil {
		return 0, opErr("delete expired cards", err)
	}
	cards := tag.RowsAffected()
	left := int64(limit) - cards
	if left <= 0 {
		return int(cards), nil
	}
	tag, err = s.q.Exec(ctx, `DELETE FROM records WHERE (kind, id) IN
		(SELECT kind, id FROM records WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, ts(now), left)
	if err != nil {
		return int(cards), opErr("delete expired records", err)
	}
	return int(cards + tag.RowsAffected()), nil
}
