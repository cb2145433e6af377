package vault

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/ttlmap"
	"golang.org/x/sync/singleflight"
)

// Every authenticated request asks whether its tenant is disabled. Reading
// and checking the tenant's row each time was a store read per request (a
// tenth of a reveal's CPU), so a node keeps the answer for a short time:
//
//   - Only an answer read from a row whose integrity tag verified is kept.
//     An unknown tenant, or a row that fails its check, is refused and read
//     (and reported) again on the next request.
//   - DisableTenant through this Service forgets the tenant at once (after
//     the commit when it runs in a Tx), and a read that began before it
//     does not keep what it read: the tenant is refused on this node from
//     the moment DisableTenant returns.
//   - A tenant disabled through another node, or a row changed directly in
//     the database, is seen here at most Options.TenantCacheTTL later (the
//     time since this node last read the row).
//   - Concurrent misses for one tenant make one store read.
//   - At most maxTenantStates tenants are kept; when full, expired entries
//     go first, then an arbitrary one.

// DefaultTenantCacheTTL is how long a tenant's checked state is reused when
// Options.TenantCacheTTL is zero.
const DefaultTenantCacheTTL = 2 * time.Second

// maxTenantStates bounds the tenants a node keeps the state of.
const maxTenantStates = 10_000

// tenantStates is a node's short-lived memory of which tenants are disabled.
type tenantStates struct {
	ttl time.Duration // zero or less: nothing is kept
	max int

	mu      sync.Mutex
	entries map[string]tenantState
	// gen counts the tenants forgotten: a read that began before one does
	// not keep what it read, which may predate it.
	gen uint64

	flight singleflight.Group
	// missed, when set (by tests), is called on every miss before the read.
	missed func()
}

// tenantState is a kept answer and when it stops being used.
type tenantState struct {
	disabled bool
	expires  time.Time
}

func newTenantStates(ttl time.Duration) *tenantStates {
	return &tenantStates{ttl: ttl, max: maxTenantStates, entries: map[string]tenantState{}}
}

// get returns the kept state of tenant id when it is still live at now.
func (c *tenantStates) get(id string, now time.Time) (disabled, ok bool) {
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return false, false
	}
	return e.disabled, true
}

// generation returns the count of forgotten tenants, to pass to put.
func (c *tenantStates) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps the state of tenant id, read from a read that began at now,
// until now+TTL, unless a tenant was forgotten since gen was read; when
// full it makes room first.
func (c *tenantStates) put(id string, disabled bool, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.max {
		ttlmap.Evict(c.entries, now, func(e tenantState) time.Time { return e.expires })
	}
	c.entries[id] = tenantState{disabled: disabled, expires: now.Add(c.ttl)}
}

// forget drops tenant id, so its next check reads the store.
func (c *tenantStates) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, id)
}

// tenantDisabled reports whether the tenant is disabled, unknown or its row
// fails its integrity check (all refuse its keys; the failure is logged and
// audited by the check). An error reading it (the store unreachable) is
// returned, so the caller answers 503, not 401. Outside a transaction the
// answer may come from the node's tenant cache (see above).
func (s *Service) tenantDisabled(ctx context.Context, id string) (bool, error) {
	c := s.tenantStates
	if s.inTx || c.ttl <= 0 {
		disabled, _, err := s.readTenantDisabled(ctx, id)
		return disabled, err
	}
	if disabled, ok := c.get(id, s.now()); ok {
		return disabled, nil
	}
	if c.missed != nil {
		c.missed()
	}
	gen := c.generation()
	// The flight's key holds gen: a check that starts after a tenant was
	// forgotten never joins a read that began before.
	v, err, _ := c.flight.Do(strconv.FormatUint(gen, 10)+"/"+id, func() (any, error) {
		if disabled, ok := c.get(id, s.now()); ok { // a flight just before this one kept it
			return disabled, nil
		}
		readAt := s.now() // the answer is as old as the read's start
		disabled, verified, err := s.readTenantDisabled(ctx, id)
		if err == nil && verified {
			c.put(id, disabled, gen, readAt)
		}
		return disabled, err
	})
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// The request that read for everyone gave up; this one has not.
		disabled, _, err := s.readTenantDisabled(ctx, id)
		return disabled, err
	}
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// readTenantDisabled reads the tenant's row: disabled unless it exists, its
// tag verifies and it is not disabled. verified says the answer comes from
// a row whose tag verified (only such an answer may be kept).
func (s *Service) readTenantDisabled(ctx context.Context, id string) (disabled, verified bool, err error) {
	t, err := s.store.GetTenant(ctx, id)
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrIntegrity) {
		return true, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return !t.DisabledAt.IsZero(), true, nil
}

// forgetTenant makes the next check of tenant id read the store: at once,
// and again when the transaction s runs in (if any) is over, so that a
// check racing the commit cannot keep the row as it was before.
func (s *Service) forgetTenant(id string) {
	s.tenantStates.forget(id)
	if s.forgetAfterTx != nil {
		*s.forgetAfterTx = append(*s.forgetAfterTx, id)
	}
}
