package vault

import (
	"context"
	"errors"
	"time"
)

// sweepExpiredCodes deletes every held security code that expired by now
// and reports each one it deleted as ActionSecurityCodeExpired, so that
// webhooks can tell a merchant a code is gone.
//
// Exactly one notice per hold: only the call whose delete removed the row
// reports it. CleanExpired runs this before DeleteExpired and passes
// DeleteExpired the same now, so a hold the generic delete removes (on this
// node or another) is one that some sweep listed and already deleted and
// reported first: nothing expires unreported. Only the clear columns are
// read (tenant, id, expiry); no hold is opened.
func (s *Service) sweepExpiredCodes(ctx context.Context, now time.Time) (int, error) {
	total := 0
	err := EachTenant(ctx, s.store, func(t Tenant) error {
		n, err := s.sweepTenantCodes(ctx, t.ID, now)
		total += n
		return err
	})
	return total, err
}

// sweepTenantCodes is sweepExpiredCodes for one tenant.
func (s *Service) sweepTenantCodes(ctx context.Context, tenant string, now time.Time) (int, error) {
	q := RecordQuery{Tenant: tenant, Kind: KindSecurityCode, Page: Page{Limit: 500}}
	n := 0
	for {
		// A "now" before any expiry lists the expired rows too.
		rs, err := s.store.ListRecords(ctx, q, time.Time{})
		if err != nil {
			return n, err
		}
		for _, r := range rs {
			if r.Tenant != tenant || r.ExpiresAt.IsZero() || r.ExpiresAt.After(now) {
				continue
			}
			gone, err := s.expireCode(ctx, tenant, r.ID)
			if err != nil {
				return n, err
			}
			if gone {
				n++
			}
		}
		if len(rs) < q.Limit {
			return n, nil
		}
		q.After = rs[len(rs)-1].ID
	}
}

// expireCode deletes a hold known to have expired and reports it, unless
// another call deleted it first; gone says whether this call did.
func (s *Service) expireCode(ctx context.Context, tenant, cardID string) (gone bool, err error) {
	err = securityCodes.Delete(ctx, s, tenant, cardID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.notify(ctx, Notice{Tenant: tenant, Action: ActionSecurityCodeExpired, Target: cardID})
	return true, nil
}
