package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkAuditBatch runs the transaction of one audit batch of 64 events
// (read the chain head, insert the entries, move the head) with the
// entries inserted one CreateRecord at a time, as internal/audit does now,
// and with CreateRecords, in one round trip. ns/op is one batch.
//
//	CARDVAULT_TEST_DATABASE_URL=postgres://… go test -run '^$' -bench AuditBatch ./internal/store/postgres
func BenchmarkAuditBatch(b *testing.B) {
	const events = 64
	for _, mode := range []string{"one-by-one", "batched"} {
		b.Run(mode, func(b *testing.B) {
			db := openTest(b)
			ctx, now := b.Context(), time.Now().UTC().Truncate(time.Microsecond)
			head := vault.Record{Tenant: "a", Kind: "head", ID: "a", Data: []byte("{}"), Version: 1, CreatedAt: now, UpdatedAt: now}
			if err := db.CreateRecord(ctx, head); err != nil {
				b.Fatal(err)
			}
			seq := 0
			for b.Loop() {
				err := db.Tx(ctx, func(s vault.Store) error {
					h, err := s.GetRecord(ctx, "head", "a", now)
					if err != nil {
						return err
					}
					entries := make([]vault.Record, events)
					for i := range entries {
						seq++
						entries[i] = vault.Record{Tenant: "a", Kind: "entry", ID: fmt.Sprintf("a/%020d", seq),
							Data: make([]byte, 300), Version: 1, CreatedAt: now, UpdatedAt: now}
					}
					if mode == "batched" {
						err = s.(*store).CreateRecords(ctx, entries)
					} else {
						for _, e := range entries {
							if err = s.CreateRecord(ctx, e); err != nil {
								break
							}
						}
					}
					if err != nil {
						return err
					}
					_, err = s.UpdateRecord(ctx, h, now)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
