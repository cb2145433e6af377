package vault_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// batcher is a store that only knows how to create records in batches.
type batcher struct {
	vault.Store // nil: any other call panics
	batches     [][]vault.Record
}

func (b *batcher) CreateRecords(_ context.Context, records []vault.Record) error {
	b.batches = append(b.batches, records)
	return nil
}

// The service's store (with its integrity checks) hands a batch of records
// to a store that takes batches in one call, so the audit log's entries
// reach PostgreSQL in one round trip.
func TestCreateRecordsReachesTheBatchingStore(t *testing.T) {
	keys, err := seal.NewKeyring(1, map[uint32][]byte{1: seal.GenerateKey()})
	if err != nil {
		t.Fatal(err)
	}
	st := &batcher{}
	svc := vault.New(st, keys, vault.Options{})
	recs := []vault.Record{{Tenant: "t", Kind: "audit", ID: "t/1"}, {Tenant: "t", Kind: "audit", ID: "t/2"}}
	if err := vault.CreateRecords(context.Background(), svc.Store(), recs); err != nil {
		t.Fatal(err)
	}
	if len(st.batches) != 1 || len(st.batches[0]) != 2 {
		t.Fatalf("the store got batches %v, want one of 2 records", st.batches)
	}
}
