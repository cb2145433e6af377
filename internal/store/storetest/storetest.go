// Package storetest is the contract suite that every vault.Store
// implementation must pass, so that the embedded and the PostgreSQL stores
// behave the same.
package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// Run runs the contract suite against the stores open makes. open must
// return a new, empty store on every call and close it with t.Cleanup; it
// is called once per subtest, and subtests run in parallel.
//
// Beyond the doc comments of vault.Store, the suite pins down what callers
// may rely on from every store: times come back truncated to the
// microsecond, empty byte slices and empty scope lists come back nil, Page
// limits default to 100 and are capped at 1000, a failed write inside Tx
// leaves the transaction usable, and a row that has expired stops holding
// its unique lookup key.
func Run(t *testing.T, open func(t *testing.T) vault.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s vault.Store)
	}{
		{"Meta", testMeta},
		{"Tenants", testTenants},
		{"Keys", testKeys},
		{"ReplaceMeta", testReplaceMeta},
		{"ReplaceKey", testReplaceKey},
		{"ResealCard", testResealCard},
		{"ResealRecord", testResealRecord},
		{"DeleteKey", testDeleteKey},
		{"TenantLifecycle", testTenantLifecycle},
		{"APIKeys", testAPIKeys},
		{"APIKeysPagination", testAPIKeysPagination},
		{"APIKeyUpdate", testAPIKeyUpdate},
		{"CardsCRUD", testCardsCRUD},
		{"CardsRoundTrip", testCardsRoundTrip},
		{"CardsTenantIsolation", testCardsTenantIsolation},
		{"CardsByFingerprint", testCardsByFingerprint},
		{"CardsPagination", testCardsPagination},
		{"CardsPaginationStable", testCardsPaginationStable},
		{"CardsPageLimits", testCardsPageLimits},
		{"CardsExpiry", testCardsExpiry},
		{"CardWithRecord", testCardWithRecord},
		{"RecordsCRUD", testRecordsCRUD},
		{"RecordsConflicts", testRecordsConflicts},
		{"RecordsUpdate", testRecordsUpdate},
		{"RecordsList", testRecordsList},
		{"RecordsDeleteByParent", testRecordsDeleteByParent},
		{"RecordsExpiry", testRecordsExpiry},
		{"DeleteExpired", testDeleteExpired},
		{"Conflicts", testConflicts},
		{"ConcurrentWriters", testConcurrentWriters},
		{"TxCommit", testTxCommit},
		{"TxErrorRollsBack", testTxErrorRollsBack},
		{"TxConflictRollsBack", testTxConflictRollsBack},
		{"TxPanicRollsBack", testTxPanicRollsBack},
		{"TxNested", testTxNested},
		{"TxUsableAfterConflict", testTxUsableAfterConflict},
	}
	// The group waits for its parallel subtests, so Run returns only when
	// the whole suite has finished.
	t.Run("contract", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := open(t)
				if err := s.Ping(t.Context()); err != nil {
					t.Fatalf("Ping: %v", err)
				}
				tc.run(t, s)
			})
		}
	})
}

// epoch is the suite's "now": a fixed instant with microsecond precision in
// a zone other than UTC, so that stores must not depend on either.
func epoch() time.Time {
	return time.Date(2031, 3, 4, 5, 6, 7, 123456000, time.FixedZone("X", 2*3600))
}

// newCard returns a card with every field set, distinct per id.
func newCard(tenant, id string, now time.Time) vault.Card {
	return vault.Card{
		Tenant:       tenant,
		ID:           id,
		Fingerprint:  "fp-" + id,
		BIN:          "424242",
		Last4:        "4242",
		Scheme:       "visa",
		ExpMonth:     12,
		ExpYear:      2034,
		Reference:    "ref-" + id,
		Metadata:     []byte(`{"order":"` + id + `"}`),
		SealedPAN:    []byte("sealed-pan-" + id),
		SealedHolder: []byte("sealed-holder-" + id),
		SealedExtra:  []byte("sealed-extra-" + id),
		CreatedAt:    now,
		UpdatedAt:    now,
		Integrity:    []byte("tag-of-" + id),
	}
}

// newRecord returns a record with version 1 and data naming its id.
func newRecord(tenant, kind, id, key, parent string, now time.Time) vault.Record {
	return vault.Record{
		Tenant:    tenant,
		Kind:      kind,
		ID:        id,
		Key:       key,
		Parent:    parent,
		Data:      []byte(`{"id":"` + id + `"}`),
		Version:   1,
		CreatedAt: now,
		UpdatedAt: now,
	}
}

// check fails the test now if err is not nil.
func check(tb testing.TB, err error, what string) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test unless err wraps target.
func wantErr(tb testing.TB, err, target error, what string) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// sameTime reports whether got and want are the same instant.
func sameTime(tb testing.TB, got, want time.Time, what string) {
	tb.Helper()
	if !got.Equal(want) {
		tb.Errorf("%s = %v, want %v", what, got, want)
	}
}

// same compares got and want field by field: time.Time fields with Equal,
// everything else with reflect.DeepEqual.
func same[T any](tb testing.TB, got, want T) {
	tb.Helper()
	g, w := reflect.ValueOf(&got).Elem(), reflect.ValueOf(&want).Elem()
	typ := g.Type()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		gf, wf := g.Field(i), w.Field(i)
		if gt, ok := gf.Interface().(time.Time); ok {
			sameTime(tb, gt, wf.Interface().(time.Time), typ.Name()+"."+name)
			continue
		}
		if !reflect.DeepEqual(gf.Interface(), wf.Interface()) {
			tb.Errorf("%s.%s = %#v, want %#v", typ.Name(), name, gf.Interface(), wf.Interface())
		}
	}
}

// ids returns the IDs of cards or records, in order.
func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// cardID extracts a card's id for ids.
func cardID(c vault.Card) string { return c.ID }

// sameIDs fails unless got lists exactly want, in order.
func sameIDs(tb testing.TB, got, want []string, what string) {
	tb.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") || len(got) != len(want) {
		tb.Errorf("%s = %v, want %v", what, got, want)
	}
}

// seq returns prefix followed by each of ns as two digits.
func seq(prefix string, ns ...int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = fmt.Sprintf("%s%02d", prefix, n)
	}
	return out
}

// upTo returns 0, 1, …, n-1.
func upTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
