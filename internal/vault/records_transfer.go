package vault

import (
	"context"
	"errors"
	"time"
)

// Each calls fn with every live record of the tenant (and of parent, when
// not empty), in id order, one page at a time, so that memory stays flat:
// for export, where All would hold everything at once.
func (rt *RecordType[T]) Each(ctx context.Context, s *Service, tenant, parent string, fn func(Stored[T]) error) error {
	p := Page{Limit: 500}
	for {
		page, err := rt.List(ctx, s, tenant, parent, p)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < p.Limit {
			return nil
		}
		p.After = page[len(page)-1].ID
	}
}

// Import stores r under its own id, keeping its creation time unless that
// is missing or in the future, for a migration from another vault. When
// the id (or the value's key) is taken, a record of the tenant under that
// id for which same says yes is AlreadyImported, so that re-running an
// import is a no-op; anything else is a conflict with the public message
// taken.
func (rt *RecordType[T]) Import(ctx context.Context, s *Service, r Stored[T], same func(old T) bool, taken string) (ImportOutcome, error) {
	now := s.Now()
	if r.CreatedAt.IsZero() || r.CreatedAt.After(now) {
		r.CreatedAt = now
	}
	r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	r.UpdatedAt = time.Time{}
	_, err := rt.Put(ctx, s, r)
	if errors.Is(err, ErrConflict) {
		if old, gerr := rt.Get(ctx, s, r.Tenant, r.ID); gerr == nil && same(old.Value) {
			return AlreadyImported, nil
		}
		return 0, &Error{Code: CodeConflict, Public: taken, Err: err}
	}
	if err != nil {
		return 0, err
	}
	return Imported, nil
}
