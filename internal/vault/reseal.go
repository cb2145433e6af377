package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// UseCard is the name DataKeyUses gives to cards (every other use is
// named by its record kind).
const UseCard = "card"

// SealedKinds returns every record kind whose data is sealed under a
// tenant's data key, that is every kind declared in kinds.go (a test keeps
// the two lists equal). Package audit's kinds are not sealed and are not
// listed.
func SealedKinds() []string {
	return []string{KindSecurityCode, KindIdempotency, KindCustomer, KindPaymentMethod, KindSession, KindForm,
		KindFormTombstone, KindUserKey, KindEntry, KindCaptureEndpoint, KindRetrieveEndpoint, KindJWTKey, KindJWTUse,
		KindBuyer, KindBuyerCard, KindBuyerAddress, KindCheckoutSession, KindCardToken, KindNetworkToken, KindNetworkCryptogram,
		KindNetworkTokenEvent, KindKeyLastUse, KindWebhookEndpoint, KindWebhookDelivery, KindConsoleSession, KindAuditPending}
}

// recordKeyVersion returns the data key version that sealed a typed
// record's data.
func recordKeyVersion(r Record) (uint32, bool) {
	env, err := parseEnvelope(r.Data)
	if err != nil {
		return 0, false
	}
	return DataKeyVersion(env.Sealed)
}

// ResealRecords re-seals, under the tenant's newest data key version, up to
// limit of its live records of kind with ids after after, in id order. Each
// record is written alone, compare-and-swap on the data it read, touching
// no other column: ids, lookup keys, parents, expiry and the
// optimistic-lock version stay, so a domain's concurrent update still
// succeeds (and the record it wrote, sealed under a current key, counts as
// skipped here). It returns the last id seen (empty at the end), and how
// many records were re-sealed and skipped.
func (s *Service) ResealRecords(ctx context.Context, tenant, kind, after string, limit int) (next string, resealed, skipped int, err error) {
	if !slices.Contains(SealedKinds(), kind) {
		return "", 0, 0, fmt.Errorf("kind %q is not a sealed record kind", kind)
	}
	s.forgetKeys(tenant) // see every version, whatever the cache says
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return "", 0, 0, err
	}
	target := tk.sealer.CurrentVersion()
	recs, err := s.store.ListRecords(ctx, RecordQuery{Tenant: tenant, Kind: kind, Page: Page{After: after, Limit: limit}}, s.Now())
	if err != nil {
		return "", 0, 0, err
	}
	for _, r := range recs {
		next = r.ID
		if r.Tenant != tenant || r.Kind != kind {
			return next, resealed, skipped, fmt.Errorf("%s list answered a record outside its query", kind)
		}
		env, err := parseEnvelope(r.Data)
		if err != nil {
			return next, resealed, skipped, fmt.Errorf("decode %s record %s: %w", kind, r.ID, err)
		}
		if v, ok := DataKeyVersion(env.Sealed); !ok || v == target {
			continue
		}
		rt := RecordType[json.RawMessage]{kind: kind, schema: env.Schema}
		aad := seal.AAD{Tenant: tenant, Record: r.ID, Field: rt.aadField(r.Key, r.Parent, r.ExpiresAt)}
		pt, err := tk.sealer.Open(env.Sealed, aad)
		if err != nil {
			return next, resealed, skipped, fmt.Errorf("open %s record %s: %w", kind, r.ID, err)
		}
		env.Sealed, err = tk.sealer.Seal(pt, aad)
		clear(pt)
		if err != nil {
			return next, resealed, skipped, err
		}
		n := r
		if n.Data, err = json.Marshal(env); err != nil {
			return next, resealed, skipped, err
		}
		if err := tally(s.store.ResealRecord(ctx, n, r), &resealed, &skipped); err != nil {
			return next, resealed, skipped, err
		}
	}
	if len(recs) < limit {
		next = ""
	}
	return next, resealed, skipped, nil
}

// KeyUses counts, per data key version, what a tenant's live cards and
// records still seal under it: version → use (UseCard or a record kind) →
// count. A card with fields under two versions counts under both.
type KeyUses map[uint32]Counts

// Counts counts items by use (UseCard or a record kind).
type Counts map[string]int

// add counts one use.
func (u KeyUses) add(v uint32, use string) {
	if u[v] == nil {
		u[v] = Counts{}
	}
	u[v][use]++
}

// Total returns how many items use version v.
func (u KeyUses) Total(v uint32) int {
	n := 0
	for _, c := range u[v] {
		n += c
	}
	return n
}

// Describe renders version v's uses as "card=3 customer=1", in name
// order, or "nothing".
func (u KeyUses) Describe(v uint32) string { return u[v].String() }

// String renders the counts as "card=3 customer=1", in name order and
// leaving out zeros, or "nothing" when all are zero.
func (c Counts) String() string {
	var parts []string
	for _, use := range slices.Sorted(maps.Keys(c)) {
		if c[use] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", use, c[use]))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " ")
}

// DataKeyUses reads every live card and sealed record of the tenant and
// counts which data key versions seal them. progress, when not nil, is
// called after each page (a long count renews a lease through it).
func (s *Service) DataKeyUses(ctx context.Context, tenant string, progress func() error) (KeyUses, error) {
	uses := KeyUses{}
	now := s.Now()
	p := Page{Limit: 1000}
	for {
		cards, err := s.store.ListCards(ctx, tenant, p, now)
		if err != nil {
			return nil, err
		}
		for _, c := range cards {
			seen := map[uint32]bool{}
			for _, b := range [][]byte{c.SealedPAN, c.SealedHolder, c.SealedExtra} {
				if v, ok := DataKeyVersion(b); ok && len(b) > 0 && !seen[v] {
					seen[v] = true
					uses.add(v, UseCard)
				}
			}
		}
		if err := callProgress(progress); err != nil {
			return nil, err
		}
		if len(cards) < p.Limit {
			break
		}
		p.After = cards[len(cards)-1].ID
	}
	for _, kind := range SealedKinds() {
		q := RecordQuery{Tenant: tenant, Kind: kind, Page: Page{Limit: 1000}}
		for {
			recs, err := s.store.ListRecords(ctx, q, now)
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				if v, ok := recordKeyVersion(r); ok {
					uses.add(v, kind)
				}
			}
			if err := callProgress(progress); err != nil {
				return nil, err
			}
			if len(recs) < q.Limit {
				break
			}
			q.After = recs[len(recs)-1].ID
		}
	}
	return uses, nil
}

func callProgress(f func() error) error {
	if f == nil {
		return nil
	}
	return f()
}

// ErrKeyInUse means a data key version still seals something and cannot be
// retired.
var ErrKeyInUse = errors.New("data key version still in use")

// KeyInUseError is RetireDataKey's refusal of a version that still seals
// something; it matches ErrKeyInUse and carries the uses it counted, so
// the caller need not count them again.
type KeyInUseError struct {
	Tenant  string
	Version uint32
	// Uses are the tenant's uses of every version, as RetireDataKey found them.
	Uses KeyUses
}

func (e *KeyInUseError) Error() string {
	return fmt.Sprintf("%v: tenant %q v%d still seals %s; run cardvault rotate data first",
		ErrKeyInUse, e.Tenant, e.Version, e.Uses.Describe(e.Version))
}

// Unwrap makes the error match ErrKeyInUse.
func (e *KeyInUseError) Unwrap() error { return ErrKeyInUse }

// RetireDataKey deletes a tenant's data key version once nothing uses it:
// no live card or record is sealed under it (DataKeyUses), it is not the
// newest version, and the newest was added more than settle ago (every node
// then seals new writes with the newest, having refreshed its keys). It
// refuses otherwise, saying what still uses the version (ErrKeyInUse).
// Data sealed under a retired version can never be read again; expired
// records still under it are only ever deleted, never opened.
func (s *Service) RetireDataKey(ctx context.Context, tenant string, version uint32, settle time.Duration, progress func() error) error {
	keys, err := s.store.ListKeys(ctx, tenant, PurposeData)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return &Error{Code: CodeNotFound, Public: "unknown tenant"}
	}
	i := slices.IndexFunc(keys, func(k WrappedKey) bool { return k.Version == version })
	switch {
	case i < 0:
		return &Error{Code: CodeNotFound, Public: fmt.Sprintf("tenant %q has no data key v%d (retired already?)", tenant, version)}
	case i == 0:
		return &Error{Code: CodeConflict, Public: fmt.Sprintf("data key v%d is the newest of tenant %q: new writes use it; rotate first", version, tenant)}
	case s.Now().Sub(keys[0].CreatedAt) < settle:
		return &Error{Code: CodeConflict, Public: fmt.Sprintf("data key v%d of tenant %q is younger than %s: a node may still seal with older versions; wait",
			keys[0].Version, tenant, settle)}
	}
	uses, err := s.DataKeyUses(ctx, tenant, progress)
	if err != nil {
		return err
	}
	if n := uses.Total(version); n > 0 {
		return &KeyInUseError{Tenant: tenant, Version: version, Uses: uses}
	}
	if err := s.store.DeleteKey(ctx, keys[i]); err != nil {
		return domainErr(err)
	}
	s.forgetKeys(tenant)
	return nil
}
