package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// Tenant rows carry integrity tags too. A tenant's clear columns decide
// whether its keys and its browser credentials work at all: someone who can
// write the database could otherwise re-enable a disabled tenant by
// clearing disabled_at, or insert a tenant row. So the tag covers every
// column (id, name, creation and disabling times), is made when the vault
// creates or disables a tenant, and is checked on every read through the
// vault's store. A row that fails is never answered as enabled: reading it
// is ErrIntegrity (logged and audited as tenant.integrity_failed), which the
// checks of a tenant's keys and sessions treat as disabled.
//
// Rows written before the tags (migration 0004_tenant_integrity) get theirs
// once, at the first start of a vault that has them (tagUntaggedTenants):
// each untagged row is tagged as it then stands, and a marker (a MAC under
// the integrity key, meta tenant_integrity) records that this was done.
// After that, an untagged row is refused like any other that fails.

// tenantDomain is the MAC domain of tenant tags; tenantMarkerDomain that
// of the marker saying that untagged rows were tagged. Never reused.
const (
	tenantDomain       = "tenant/v1"
	tenantMarkerDomain = "tenant-tags-made/v1"
)

// MetaTenantIntegrity names the meta value that marks the one-time tagging
// of the tenants that predate their tags.
const MetaTenantIntegrity = "tenant_integrity"

// tenantMarkerMessage is what the marker's MAC covers.
var tenantMarkerMessage = []byte("every tenant row carries its tag")

// tenantMessage is what a tenant's tag covers: every column.
func tenantMessage(t Tenant) []byte {
	return seal.IntegrityMessage(t.ID, t.Name, micro(t.CreatedAt), micro(t.DisabledAt))
}

// checkTenant returns t, or the integrity error when its tag fails.
func (g *checkedStore) checkTenant(ctx context.Context, t Tenant) (Tenant, error) {
	return verified(ctx, g, t, tenantDomain, tenantMessage(t), t.Integrity,
		IntegrityFailure{Action: "tenant.integrity_failed", Tenant: t.ID, ID: t.ID})
}

// CreateTenant stores t with its tag.
func (g *checkedStore) CreateTenant(ctx context.Context, t Tenant) error {
	t.Integrity = g.keys.MAC(tenantDomain, tenantMessage(t))
	return g.Store.CreateTenant(ctx, t)
}

// GetTenant returns a tenant whose tag verifies.
func (g *checkedStore) GetTenant(ctx context.Context, id string) (Tenant, error) {
	t, err := g.Store.GetTenant(ctx, id)
	if err != nil {
		return Tenant{}, err
	}
	if t.ID != id {
		return Tenant{}, fmt.Errorf("get tenant answered another row: %w", ErrNotFound)
	}
	return g.checkTenant(ctx, t)
}

// ListTenants fails when any listed tenant's tag fails.
func (g *checkedStore) ListTenants(ctx context.Context, p Page) ([]Tenant, error) {
	ts, err := g.Store.ListTenants(ctx, p)
	return checkEach(ctx, ts, err, g.checkTenant)
}

// DisableTenant disables a tenant whose tag verifies and re-tags it (the
// caller's integrity and old are not used); a tenant disabled already
// keeps its first time. The write lands only on the row that was checked
// (compare and swap on its tag); when a change races it, the tenant is
// read, checked and disabled again.
func (g *checkedStore) DisableTenant(ctx context.Context, id string, at time.Time, _, _ []byte) error {
	for attempt := 1; ; attempt++ {
		t, err := g.GetTenant(ctx, id)
		if err != nil {
			return err
		}
		if !t.DisabledAt.IsZero() {
			return nil
		}
		old := t.Integrity
		t.DisabledAt = at.UTC().Truncate(time.Microsecond)
		err = g.Store.DisableTenant(ctx, id, t.DisabledAt, g.keys.MAC(tenantDomain, tenantMessage(t)), old)
		if !errors.Is(err, ErrConflict) || attempt == casAttempts {
			return err
		}
	}
}

// TagTenant is refused through the vault's store: only the one-time
// tagging at start-up (tagUntaggedTenants) tags a row as it stands.
func (g *checkedStore) TagTenant(context.Context, string, []byte) error {
	return errors.New("vault: tenant rows are tagged by the vault only")
}

// tagUntaggedTenants gives every tenant row without a tag its tag, once:
// at the first start of a vault whose store has the tenants' tag column,
// in one transaction (nodes starting together tag each row once). The
// marker it leaves (a MAC the store cannot make) stops it for good; a
// marker that fails its check, or tagged rows without a marker (the
// marker deleted behind the vault's back), tag nothing and are logged.
func (s *Service) tagUntaggedTenants(ctx context.Context) error {
	g, ok := s.store.(*checkedStore)
	if !ok {
		return nil
	}
	var done []Tenant
	var problem string
	err := g.Store.Tx(ctx, func(tx Store) error {
		done, problem = nil, ""
		marker, err := tx.GetMeta(ctx, MetaTenantIntegrity)
		switch {
		case err == nil && s.keyring.VerifyMAC(tenantMarkerDomain, tenantMarkerMessage, marker):
			return nil
		case err == nil:
			problem = "integrity check failed: the tenants' tagging marker was written outside the vault; untagged tenant rows stay refused"
			return nil
		case !errors.Is(err, ErrNotFound):
			return fmt.Errorf("read %s: %w", MetaTenantIntegrity, err)
		}
		untagged, tagged, err := untaggedTenants(ctx, tx, s.keyring)
		if err != nil {
			return err
		}
		if tagged && len(untagged) > 0 {
			problem = "integrity check failed: tenant rows carry tags but their tagging marker is gone (deleted outside the vault?); untagged tenant rows stay refused"
			return nil
		}
		for _, t := range untagged {
			err := tx.TagTenant(ctx, t.ID, s.keyring.MAC(tenantDomain, tenantMessage(t)))
			if errors.Is(err, ErrConflict) { // tagged by another node meanwhile
				continue
			}
			if err != nil {
				return fmt.Errorf("tag tenant %q: %w", t.ID, err)
			}
			done = append(done, t)
		}
		err = tx.InsertMeta(ctx, MetaTenantIntegrity, s.keyring.MAC(tenantMarkerDomain, tenantMarkerMessage))
		if errors.Is(err, ErrConflict) {
			done = nil // another node did it all first
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("tag tenant rows: %w", err)
	}
	if problem != "" {
		s.log.Error(problem, "meta", MetaTenantIntegrity)
	}
	for _, t := range done {
		s.log.Warn("tenant row tagged for the first time (the first start with tenant integrity tags); this must happen only once per tenant",
			"tenant", t.ID, "disabled", !t.DisabledAt.IsZero())
	}
	return nil
}

// untaggedTenants lists the tenant rows without a tag, and says whether
// any row carries a tag that verifies.
func untaggedTenants(ctx context.Context, st Store, keys *seal.Keyring) (untagged []Tenant, tagged bool, err error) {
	err = EachTenant(ctx, st, func(t Tenant) error {
		if len(t.Integrity) == 0 {
			untagged = append(untagged, t)
		} else if keys.VerifyMAC(tenantDomain, tenantMessage(t), t.Integrity) {
			tagged = true
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list tenants to tag: %w", err)
	}
	return untagged, tagged, nil
}
