package rotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// DataService is what a data key rotation needs of the vault core.
type DataService interface {
	Store() vault.Store
	AddDataKey(ctx context.Context, tenant string) (uint32, error)
	ResealCards(ctx context.Context, tenant, after string, limit int) (next string, resealed, skipped int, err error)
}

// Data adds a new data key version per tenant and re-seals the tenant's
// cards under it, in batches.
type Data struct {
	Service DataService
	// Tenant, when set, limits the rotation to one tenant.
	Tenant string
	Holder string
	// Settle is how long to wait after adding a version before re-sealing,
	// so that every node has picked it up for new writes (their key cache
	// refreshes every minute); 0 in tests.
	Settle time.Duration
	// Batch is how many cards are read per step; default 500.
	Batch int
	// Progress, when set, is called with the tenant, done and total.
	Progress func(tenant string, done, total int)
	Now      func() time.Time
}

// DataResult says what a data rotation did per tenant.
type DataResult struct {
	Tenant   string
	Version  uint32
	Resealed int
	Resumed  bool
}

// tenantState is the meta row that makes a tenant's rotation resumable.
type tenantState struct {
	Run      string `json:"run"`
	Version  uint32 `json:"version"`
	Finished bool   `json:"finished"`
}

func stateKey(tenant string) string { return "data_rotation/" + tenant }

// Run rotates the data keys of one or every tenant. Interrupted at any
// point, a re-run continues the same rotation: a tenant whose new version
// was added re-seals under it (no second version), and tenants finished in
// the interrupted run are skipped. Cards stay readable throughout: old
// versions are kept (docs/operations.md says when they could go).
func (d *Data) Run(ctx context.Context) ([]DataResult, error) {
	store := d.Service.Store()
	l, err := acquire(ctx, store, "data", d.Holder, d.now)
	if err != nil {
		return nil, err
	}
	defer l.release(context.WithoutCancel(ctx))
	var tenants []string
	if d.Tenant != "" {
		if _, err := store.GetTenant(ctx, d.Tenant); err != nil {
			return nil, fmt.Errorf("tenant %q: %w", d.Tenant, err)
		}
		tenants = []string{d.Tenant}
	} else if err := eachTenant(ctx, store, func(t vault.Tenant) error {
		tenants = append(tenants, t.ID)
		return nil
	}); err != nil {
		return nil, err
	}
	var results []DataResult
	for _, t := range tenants {
		r, err := d.tenant(ctx, l, t)
		if r.Version != 0 {
			results = append(results, r)
		}
		if err != nil {
			return results, fmt.Errorf("tenant %q: %w", t, err)
		}
	}
	l.finish()
	return results, nil
}

func (d *Data) tenant(ctx context.Context, l *lock, tenant string) (DataResult, error) {
	store := d.Service.Store()
	res := DataResult{Tenant: tenant}
	raw, err := store.GetMeta(ctx, stateKey(tenant))
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return res, err
	}
	var st tenantState
	if raw != nil {
		_ = json.Unmarshal(raw, &st)
	}
	keys, err := store.ListKeys(ctx, tenant, vault.PurposeData)
	if err != nil {
		return res, err
	}
	switch {
	case st.Run == l.st.Run && st.Finished:
		return res, nil // done earlier in this (resumed) run
	case st.Run == l.st.Run && len(keys) > 0 && keys[0].Version == st.Version:
		res.Resumed = true
	default:
		v, err := d.Service.AddDataKey(ctx, tenant)
		if err != nil {
			return res, err
		}
		st = tenantState{Run: l.st.Run, Version: v}
		if err := putMeta(ctx, store, stateKey(tenant), raw, st); err != nil {
			return res, err
		}
		raw, _ = json.Marshal(st)
		if err := l.hold(ctx, d.Settle); err != nil {
			return res, err
		}
	}
	res.Version = st.Version
	total, err := d.count(ctx, l, tenant, st.Version)
	if err != nil {
		return res, err
	}
	batch := d.Batch
	if batch <= 0 {
		batch = 500
	}
	for pass := 0; ; pass++ {
		if pass == maxPasses {
			return res, fmt.Errorf("cards keep changing under older data keys after %d passes; run again", maxPasses)
		}
		skippedAll, after := 0, ""
		for {
			next, resealed, skipped, err := d.Service.ResealCards(ctx, tenant, after, batch)
			res.Resealed += resealed
			skippedAll += skipped
			if err != nil {
				return res, err
			}
			total = max(total, res.Resealed)
			if err := l.progress(ctx, res.Resealed, total); err != nil {
				return res, err
			}
			if d.Progress != nil {
				d.Progress(tenant, res.Resealed, total)
			}
			if next == "" {
				break
			}
			after = next
		}
		left, err := d.count(ctx, l, tenant, st.Version)
		if err != nil {
			return res, err
		}
		if left == 0 && skippedAll == 0 {
			break
		}
	}
	st.Finished = true
	return res, putMeta(ctx, store, stateKey(tenant), raw, st)
}

// count returns how many of the tenant's live cards have a field sealed
// under another data key version than v, renewing the lease as it goes.
func (d *Data) count(ctx context.Context, l *lock, tenant string, v uint32) (int, error) {
	n, p := 0, vault.Page{Limit: 1000}
	for {
		cards, err := d.Service.Store().ListCards(ctx, tenant, p, d.now())
		if err != nil {
			return 0, err
		}
		for _, c := range cards {
			for _, b := range [][]byte{c.SealedPAN, c.SealedHolder, c.SealedExtra} {
				if got, ok := vault.DataKeyVersion(b); ok && got != v {
					n++
					break
				}
			}
		}
		if len(cards) < p.Limit {
			return n, nil
		}
		p.After = cards[len(cards)-1].ID
		if err := l.progress(ctx, l.st.Done, l.st.Total); err != nil {
			return 0, err
		}
	}
}

func (d *Data) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// putMeta writes a JSON value over old (absent when old is nil).
func putMeta(ctx context.Context, s vault.Store, key string, old []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if old == nil {
		return s.InsertMeta(ctx, key, b)
	}
	return s.ReplaceMeta(ctx, key, old, b)
}
