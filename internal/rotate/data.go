package rotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// DataService is what a data key rotation needs of the vault core.
type DataService interface {
	Store() vault.Store
	AddDataKey(ctx context.Context, tenant string) (uint32, error)
	ResealCards(ctx context.Context, tenant, after string, limit int) (next string, resealed, skipped int, err error)
	ResealRecords(ctx context.Context, tenant, kind, after string, limit int) (next string, resealed, skipped int, err error)
	DataKeyUses(ctx context.Context, tenant string, progress func() error) (vault.KeyUses, error)
}

// Data adds a new data key version per tenant and re-seals everything the
// tenant keeps under older versions (its cards, then every kind of sealed
// record) under it, in batches.
type Data struct {
	Service DataService
	// Tenant, when set, limits the rotation to one tenant.
	Tenant string
	Holder string
	// Gone, when set, lets a lease held by a dead runner be taken over at
	// once (see HolderGone).
	Gone HolderGone
	// Settle is how long to wait after adding a version before re-sealing,
	// so that every node has picked it up for new writes (their key cache
	// refreshes every minute); 0 in tests.
	Settle time.Duration
	// Batch is how many cards or records are read per step; default 500.
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
	// ByKind counts what was re-sealed: vault.UseCard or a record kind.
	ByKind  vault.Counts
	Resumed bool
}

// tenantState is the meta row that makes a tenant's rotation resumable:
// the version it re-seals under and where the last finished batch ended.
type tenantState struct {
	Run      string `json:"run"`
	Version  uint32 `json:"version"`
	Finished bool   `json:"finished"`
	// Kind and After are the cursor: the collection (vault.UseCard or a
	// record kind) and the last id whose batch is done.
	Kind  string `json:"kind,omitempty"`
	After string `json:"after,omitempty"`
	Done  int    `json:"done,omitempty"`
}

func stateKey(tenant string) string { return "data_rotation/" + tenant }

// collections lists what a tenant keeps under its data keys, in the order
// a rotation re-seals it.
func collections() []string { return append([]string{vault.UseCard}, vault.SealedKinds()...) }

// Run rotates the data keys of one or every tenant. Interrupted at any
// point, a re-run continues the same rotation: a tenant whose new version
// was added re-seals under it (no second version) from the batch where it
// stopped, and tenants finished in the interrupted run are skipped.
// Everything stays readable throughout: old versions are kept until
// Retire removes one that nothing uses.
func (d *Data) Run(ctx context.Context) ([]DataResult, error) {
	store := d.Service.Store()
	l, err := acquire(ctx, store, "data", d.Holder, d.now, d.Gone)
	if err != nil {
		return nil, err
	}
	defer l.release(context.WithoutCancel(ctx))
	tenants, err := tenantIDs(ctx, store, d.Tenant)
	if err != nil {
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

// tenantIDs returns only (checked to exist) or, when it is empty, every
// tenant of store.
func tenantIDs(ctx context.Context, store vault.Store, only string) ([]string, error) {
	if only != "" {
		if _, err := store.GetTenant(ctx, only); err != nil {
			return nil, fmt.Errorf("tenant %q: %w", only, err)
		}
		return []string{only}, nil
	}
	var tenants []string
	err := vault.EachTenant(ctx, store, func(t vault.Tenant) error {
		tenants = append(tenants, t.ID)
		return nil
	})
	return tenants, err
}

func (d *Data) tenant(ctx context.Context, l *lock, tenant string) (DataResult, error) {
	store := d.Service.Store()
	res := DataResult{Tenant: tenant, ByKind: vault.Counts{}}
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
	left, err := d.left(ctx, l, tenant, st.Version)
	if err != nil {
		return res, err
	}
	total := st.Done + left
	done := st.Done
	save := func(kind, after string) error {
		st.Kind, st.After, st.Done = kind, after, done
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := store.ReplaceMeta(ctx, stateKey(tenant), raw, b); err != nil {
			return err
		}
		raw = b
		return nil
	}
	for pass := 0; ; pass++ {
		if pass == maxPasses {
			return res, fmt.Errorf("items keep changing under older data keys after %d passes; run again", maxPasses)
		}
		skippedAll := 0
		for _, kind := range collections() {
			if st.Kind != "" && slices.Index(collections(), kind) < slices.Index(collections(), st.Kind) {
				continue // done before the interruption
			}
			after := ""
			if kind == st.Kind {
				after = st.After
			}
			for {
				next, resealed, skipped, err := d.reseal(ctx, tenant, kind, after)
				res.Resealed += resealed
				res.ByKind[kind] += resealed
				done += resealed
				skippedAll += skipped
				if err != nil {
					return res, err
				}
				total = max(total, done)
				if err := l.progress(ctx, done, total); err != nil {
					return res, err
				}
				if d.Progress != nil {
					d.Progress(tenant, done, total)
				}
				if next == "" {
					break
				}
				after = next
				if err := save(kind, after); err != nil {
					return res, err
				}
			}
		}
		if err := save("", ""); err != nil {
			return res, err
		}
		left, err := d.left(ctx, l, tenant, st.Version)
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

// reseal runs one batch of one collection.
func (d *Data) reseal(ctx context.Context, tenant, kind, after string) (string, int, int, error) {
	batch := d.Batch
	if batch <= 0 {
		batch = 500
	}
	if kind == vault.UseCard {
		return d.Service.ResealCards(ctx, tenant, after, batch)
	}
	return d.Service.ResealRecords(ctx, tenant, kind, after, batch)
}

// left returns how many of the tenant's live cards and records are sealed
// (in some field) under another data key version than v, renewing the
// lease as it goes.
func (d *Data) left(ctx context.Context, l *lock, tenant string, v uint32) (int, error) {
	uses, err := d.Service.DataKeyUses(ctx, tenant, func() error { return l.progress(ctx, l.st.Done, l.st.Total) })
	if err != nil {
		return 0, err
	}
	n := 0
	for version := range uses {
		if version != v {
			n += uses.Total(version)
		}
	}
	return n, nil
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
