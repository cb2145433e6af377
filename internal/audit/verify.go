package audit

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// Verify walks a tenant's whole chain and reports the first broken link:
// an altered entry, a missing one, a head that does not match the end or
// whose MAC fails (the newest entries were cut), or a registered tenant
// whose chain is gone (wiped). It returns how many entries verified.
// Errors about the store's content wrap ErrTampered.
//
// With pending events (WithPending) it also checks the tenant's unlinked
// pending events and cards (verifyPending): a pending record that fails to
// open, one linked twice, a card stored with no event, and pending events
// older than the stale bound (ErrUnlinked).
func (l *Log) Verify(ctx context.Context, tenant string) (int64, error) {
	var pc *pendingCheck
	var seen func(Entry) error
	if l.pend != nil {
		var err error
		if pc, err = l.startPendingCheck(ctx, tenant); err != nil {
			return 0, err
		}
		seen = pc.seen
	}
	last, err := l.walk(ctx, tenant, seen)
	if err != nil {
		return last.Seq, err
	}
	reg, err := l.loadRegistry(ctx, l.store)
	if err != nil {
		return last.Seq, err
	}
	hr, err := l.store.GetRecord(ctx, kindHead, tenant, time.Time{})
	if errors.Is(err, vault.ErrNotFound) {
		switch {
		case reg.has(tenant):
			return last.Seq, fmt.Errorf("%w: tenant %q had an audit chain and its head is gone (chain deleted)", ErrTampered, tenant)
		case last.Seq == 0:
			if pc != nil {
				return 0, l.finishPendingCheck(ctx, tenant, pc)
			}
			return 0, nil
		}
		return last.Seq, fmt.Errorf("%w: the chain has %d entries but no head", ErrTampered, last.Seq)
	}
	if err != nil {
		return last.Seq, err
	}
	var h head
	if err := json.Unmarshal(hr.Data, &h); err != nil {
		return last.Seq, fmt.Errorf("%w: the head is corrupt", ErrTampered)
	}
	switch {
	case h.MAC == nil:
		return last.Seq, fmt.Errorf("%w: the head is not anchored (no entry was recorded since the upgrade "+
			"that anchors heads, or its MAC was removed)", ErrTampered)
	case !l.headOK(tenant, h):
		return last.Seq, fmt.Errorf("%w: the head fails its integrity check (pointed back after entries were cut?)", ErrTampered)
	case !reg.has(tenant):
		return last.Seq, fmt.Errorf("%w: tenant %q is missing from the registry of audit chains", ErrTampered, tenant)
	case h.Seq != last.Seq || h.Hash != last.Hash:
		return last.Seq, fmt.Errorf("%w: the chain ends at %d but its head says %d (entries cut)", ErrTampered, last.Seq, h.Seq)
	}
	if pc != nil {
		return last.Seq, l.finishPendingCheck(ctx, tenant, pc)
	}
	return last.Seq, nil
}

// walk checks every link of a tenant's chain, calling seen (when not nil)
// for each entry, and returns the last entry.
func (l *Log) walk(ctx context.Context, tenant string, seen func(Entry) error) (Entry, error) {
	var prev Entry
	after := ""
	for {
		page, err := l.store.ListRecords(ctx, vault.RecordQuery{Tenant: tenant, Kind: kindEntry, Page: vault.Page{After: after, Limit: 500}}, time.Time{})
		if err != nil {
			return prev, err
		}
		for _, r := range page {
			var e Entry
			if err := json.Unmarshal(r.Data, &e); err != nil {
				return prev, fmt.Errorf("%w: entry %s is corrupt", ErrTampered, r.ID)
			}
			want, err := l.hash(ctx, e)
			if err != nil {
				return prev, err
			}
			switch {
			case e.Seq != prev.Seq+1 || r.ID != entryID(tenant, e.Seq):
				return prev, fmt.Errorf("%w: entry %d is missing", ErrTampered, prev.Seq+1)
			case e.Tenant != tenant || e.PrevHash != prev.Hash || !hmac.Equal([]byte(want), []byte(e.Hash)):
				return prev, fmt.Errorf("%w: entry %d was altered", ErrTampered, e.Seq)
			}
			if seen != nil {
				if err := seen(e); err != nil {
					return prev, err
				}
			}
			prev = e
			after = r.ID
		}
		if len(page) < 500 {
			return prev, nil
		}
	}
}

// TenantResult is the outcome of verifying one tenant's chain.
type TenantResult struct {
	Tenant string
	// Entries is how many entries verified before the first problem.
	Entries int64
	// Err is nil when the whole chain verified.
	Err error
}

// VerifyAll verifies the chain of every tenant in the registry, and of
// extra tenants (such as the default one) even when unregistered, in
// tenant order; with pending events, of every tenant the store has too
// (a tenant whose first card's pending event was deleted has no chain).
// It fails outright only when the registry itself does.
func (l *Log) VerifyAll(ctx context.Context, extra ...string) ([]TenantResult, error) {
	tenants, err := l.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	if l.pend != nil {
		err := vault.EachTenant(ctx, l.store, func(t vault.Tenant) error {
			extra = append(extra, t.ID)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	tenants = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(tenants), extra...))))
	out := make([]TenantResult, 0, len(tenants))
	for _, t := range tenants {
		n, err := l.Verify(ctx, t)
		out = append(out, TenantResult{Tenant: t, Entries: n, Err: err})
	}
	return out, nil
}
