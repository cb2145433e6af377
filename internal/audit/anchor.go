package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// Keys MACs and signs with keys derived from the master key, which the
// store never sees; *seal.Keyring is one.
type Keys interface {
	// MAC returns a tag over msg for domain.
	MAC(domain string, msg []byte) []byte
	// VerifyMAC reports, in constant time, whether tag is MAC(domain, msg).
	VerifyMAC(domain string, msg, tag []byte) bool
	// CheckpointSign signs msg and names the key version that did.
	CheckpointSign(msg []byte) (version uint32, sig []byte)
	// CheckpointVerify reports whether sig is a signature of msg by the
	// checkpoint key of that version.
	CheckpointVerify(version uint32, msg, sig []byte) bool
}

var _ Keys = (*seal.Keyring)(nil)

// MAC domains of the anchors; never reused for anything else.
const (
	headDomain     = "audit-head/v1"
	registryDomain = "audit-registry/v1"
)

// registryID is the id of the one registry record.
const registryID = "audit_registry"

// ErrTampered marks a chain, head or registry that fails its integrity
// check: someone with write access to the store changed it.
var ErrTampered = errors.New("audit: the audit log was tampered with")

// headMessage is what a head's MAC covers: the tenant, so that a head
// cannot be moved to another tenant; the sequence number and hash, so
// that pointing the head back at an older entry after deleting the newest
// ones needs a MAC the store cannot make; and the time.
func headMessage(tenant string, h head) []byte {
	return seal.IntegrityMessage(tenant, strconv.FormatInt(h.Seq, 10), h.Hash, h.At.UTC().Format(time.RFC3339Nano))
}

// sealHead returns h with its MAC.
func (l *Log) sealHead(tenant string, h head) head {
	h.MAC = l.keys.MAC(headDomain, headMessage(tenant, h))
	return h
}

// headOK reports whether h carries the right MAC for tenant.
func (l *Log) headOK(tenant string, h head) bool {
	return h.MAC != nil && l.keys.VerifyMAC(headDomain, headMessage(tenant, h), h.MAC)
}

// registry lists every tenant that has (or had) an audit chain. Its MAC
// makes a tenant's removal detectable, so deleting a tenant's whole chain,
// head included, does not pass for a tenant that never had one.
type registry struct {
	rec     vault.Record // Version 0: not stored yet
	Tenants []string     `json:"tenants"`
	MAC     []byte       `json:"mac"`
	dirty   bool
}

// registryMessage is what the registry's MAC covers: the sorted tenants.
func registryMessage(tenants []string) []byte { return seal.IntegrityMessage(tenants...) }

// has reports whether tenant is registered.
func (r *registry) has(tenant string) bool {
	_, ok := slices.BinarySearch(r.Tenants, tenant)
	return ok
}

// add registers tenant.
func (r *registry) add(tenant string) {
	if i, ok := slices.BinarySearch(r.Tenants, tenant); !ok {
		r.Tenants = slices.Insert(r.Tenants, i, tenant)
		r.dirty = true
	}
}

// loadRegistry reads and checks the registry; a missing one is empty.
func (l *Log) loadRegistry(ctx context.Context, s vault.Store) (*registry, error) {
	rec, err := s.GetRecord(ctx, kindRegistry, registryID, time.Time{})
	if errors.Is(err, vault.ErrNotFound) {
		return &registry{}, nil
	}
	if err != nil {
		return nil, err
	}
	r := &registry{rec: rec}
	if err := json.Unmarshal(rec.Data, r); err != nil || !slices.IsSorted(r.Tenants) ||
		!l.keys.VerifyMAC(registryDomain, registryMessage(r.Tenants), r.MAC) {
		return nil, fmt.Errorf("%w: the registry of audit chains fails its integrity check", ErrTampered)
	}
	return r, nil
}

// saveRegistry stores the registry with a fresh MAC, version-checked so
// that two nodes registering tenants at once cannot lose one.
func (l *Log) saveRegistry(ctx context.Context, tx vault.Store, r *registry, now time.Time) error {
	r.MAC = l.keys.MAC(registryDomain, registryMessage(r.Tenants))
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	rec := r.rec
	rec.Data, rec.UpdatedAt = data, now
	if rec.Version == 0 {
		rec = vault.Record{Tenant: vault.DefaultTenant, Kind: kindRegistry, ID: registryID, Data: data,
			Version: 1, CreatedAt: now, UpdatedAt: now}
		return tx.CreateRecord(ctx, rec)
	}
	_, err = tx.UpdateRecord(ctx, rec, now)
	return err
}

// batchRegistry loads the registry once per batch.
func (l *Log) batchRegistry(ctx context.Context, b *txBatch) (*registry, error) {
	if b.reg == nil {
		r, err := l.loadRegistry(ctx, b.tx)
		if err != nil {
			return nil, err
		}
		b.reg = r
	}
	return b.reg, nil
}

// loadHeadForAppend returns the tenant's head record to extend and its
// value, or a new one (Version 0) for a tenant's first entry. The registry
// is read only when a chain starts or a head from before anchoring is met,
// so the steady state costs no statement more than the head itself.
func (l *Log) loadHeadForAppend(ctx context.Context, b *txBatch, tenant string) (vault.Record, head, error) {
	r, err := b.tx.GetRecord(ctx, kindHead, tenant, time.Time{})
	switch {
	case errors.Is(err, vault.ErrNotFound):
		reg, err := l.batchRegistry(ctx, b)
		if err != nil {
			return vault.Record{}, head{}, err
		}
		if reg.has(tenant) {
			return vault.Record{}, head{}, fmt.Errorf("%w: the audit chain of tenant %q was deleted; "+
				"run `cardvault audit verify` and restore the store from a backup", ErrTampered, tenant)
		}
		reg.add(tenant)
		return vault.Record{Tenant: tenant, Kind: kindHead, ID: tenant, Version: 0}, head{}, nil
	case err != nil:
		return vault.Record{}, head{}, err
	}
	var h head
	if err := json.Unmarshal(r.Data, &h); err != nil {
		return vault.Record{}, head{}, fmt.Errorf("audit: corrupt head: %w", err)
	}
	if l.headOK(tenant, h) {
		return r, h, nil
	}
	reg, err := l.batchRegistry(ctx, b)
	if err != nil {
		return vault.Record{}, head{}, err
	}
	if h.MAC != nil || reg.has(tenant) {
		return vault.Record{}, head{}, fmt.Errorf("%w: the audit head of tenant %q fails its integrity check; "+
			"run `cardvault audit verify` and restore the store from a backup", ErrTampered, tenant)
	}
	// A chain from before anchoring: this append anchors it.
	reg.add(tenant)
	return r, h, nil
}

// Tenants returns every tenant the (checked) registry lists.
func (l *Log) Tenants(ctx context.Context) ([]string, error) {
	r, err := l.loadRegistry(ctx, l.store)
	if err != nil {
		return nil, err
	}
	return r.Tenants, nil
}
