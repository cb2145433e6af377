package rotate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// RetireService is what retiring data key versions needs of the vault core.
type RetireService interface {
	Store() vault.Store
	RetireDataKey(ctx context.Context, tenant string, version uint32, settle time.Duration, progress func() error) error
}

// Retire deletes data key versions that nothing uses any more, one runner
// at a time (it takes the rotation lock, so it never overlaps a rotation).
type Retire struct {
	Service RetireService
	// Tenant, when set, limits retirement to one tenant.
	Tenant string
	// Version, when not 0, is the one version to retire: Run fails if
	// anything still uses it. When 0, every version but the newest that
	// nothing uses is retired and the others are reported as kept.
	Version uint32
	Holder  string
	// Gone, when set, lets a lease held by a dead runner be taken over at
	// once (see HolderGone).
	Gone HolderGone
	// Settle is how old the newest version must be (see
	// vault.Service.RetireDataKey).
	Settle time.Duration
	Now    func() time.Time
}

// RetireResult says what happened to one data key version.
type RetireResult struct {
	Tenant  string
	Version uint32
	Retired bool
	// Uses says what still uses a kept version ("card=3 customer=1").
	Uses string
}

// ErrRotationUnfinished means a data rotation was interrupted: it must be
// resumed (cardvault rotate data) before versions are retired.
var ErrRotationUnfinished = errors.New("a data key rotation was interrupted; run cardvault rotate data to finish it first")

// Run retires versions as configured. Refusals (a version in use, the
// newest version, one added too recently) leave every key in place.
func (r *Retire) Run(ctx context.Context) ([]RetireResult, error) {
	store := r.Service.Store()
	now := r.Now
	if now == nil {
		now = time.Now
	}
	l, err := acquire(ctx, store, "retire", r.Holder, now, r.Gone)
	if err != nil {
		return nil, err
	}
	if p := l.prev; p.Kind == "data" && !p.Finished && p.Run != "" {
		// Leave the interrupted rotation resumable: put its status back.
		l.st = Status{Kind: p.Kind, Run: p.Run, Done: p.Done, Total: p.Total}
		l.release(context.WithoutCancel(ctx))
		return nil, ErrRotationUnfinished
	}
	defer l.release(context.WithoutCancel(ctx))
	tenants, err := tenantIDs(ctx, store, r.Tenant)
	if err != nil {
		return nil, err
	}
	renew := func() error { return l.progress(ctx, l.st.Done, l.st.Total) }
	var out []RetireResult
	for _, t := range tenants {
		keys, err := store.ListKeys(ctx, t, vault.PurposeData)
		if err != nil {
			return out, err
		}
		for i, k := range keys {
			if (r.Version == 0 && i == 0) || (r.Version != 0 && k.Version != r.Version) {
				continue // the newest is kept unless asked for (RetireDataKey refuses it)
			}
			res := RetireResult{Tenant: t, Version: k.Version}
			var inUse *vault.KeyInUseError
			err := r.Service.RetireDataKey(ctx, t, k.Version, r.Settle, renew)
			switch {
			case err == nil:
				res.Retired = true
			case errors.As(err, &inUse) && r.Version == 0:
				res.Uses = inUse.Uses.Describe(k.Version)
			default:
				return out, fmt.Errorf("tenant %q data key v%d: %w", t, k.Version, err)
			}
			out = append(out, res)
			l.st.Done++
		}
	}
	if r.Version != 0 && len(out) == 0 {
		return out, fmt.Errorf("no data key v%d to retire", r.Version)
	}
	l.finish()
	return out, nil
}
