package vault

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/ttlmap"
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
//     go first, then an arbitrary one (among the few a new entry looks at,
//     ttlmap.Cache).

// DefaultTenantCacheTTL is how long a tenant's checked state is reused when
// Options.TenantCacheTTL is zero.
const DefaultTenantCacheTTL = 2 * time.Second

// maxTenantStates bounds the tenants a node keeps the state of.
const maxTenantStates = 10_000

// tenantStates is a node's short-lived memory of which tenants are disabled.
type tenantStates = ttlmap.Loader[bool]

// newTenantStates keeps tenant states for ttl on the clock now; a ttl of
// zero or less keeps nothing.
func newTenantStates(ttl time.Duration, now func() time.Time) *tenantStates {
	return ttlmap.NewLoader[bool](ttl, maxTenantStates, now)
}

// tenantDisabled reports whether the tenant is disabled, unknown or its row
// fails its integrity check (all refuse its keys; the failure is logged and
// audited by the check). An error reading it (the store unreachable) is
// returned, so the caller answers 503, not 401. Outside a transaction the
// answer may come from the node's tenant cache (see above).
func (s *Service) tenantDisabled(ctx context.Context, id string) (bool, error) {
	if s.inTx {
		disabled, _, err := s.readTenantDisabled(ctx, id)
		return disabled, err
	}
	return s.tenantStates.Load(ctx, id, func(ctx context.Context) (bool, bool, error) {
		return s.readTenantDisabled(ctx, id)
	})
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
	s.tenantStates.Forget(id)
	if s.forgetAfterTx != nil {
		*s.forgetAfterTx = append(*s.forgetAfterTx, id)
	}
}
