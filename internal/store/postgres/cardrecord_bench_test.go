package postgres

import (
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/cpubench"
	"github.com/cardvault/cardvault/internal/vault"
)

// BenchmarkCardWithRecord reads a card and its held record as a forward
// does: in one round trip (one) or, as before, GetCard then GetRecord
// (two). cpu-µs/op is this process's (pgx) CPU only; ns/op holds the round
// trips and the server's work.
func BenchmarkCardWithRecord(b *testing.B) {
	db := openTest(b)
	ctx, now := b.Context(), time.Now()
	c := vault.Card{Tenant: "t", ID: "0190aaaa-0000-7000-8000-000000000001", Fingerprint: "fp", BIN: "411111", Last4: "1111",
		Scheme: "visa", ExpMonth: 12, ExpYear: 2034, Metadata: []byte(`{}`), SealedPAN: make([]byte, 60),
		SealedHolder: make([]byte, 40), SealedExtra: make([]byte, 30), CreatedAt: now, UpdatedAt: now, Integrity: make([]byte, 32)}
	if err := db.CreateCard(ctx, c); err != nil {
		b.Fatal(err)
	}
	r := vault.Record{Tenant: "t", Kind: "security_code", ID: c.ID, Parent: c.ID, Data: make([]byte, 150), Version: 1,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateRecord(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.Run("one", func(b *testing.B) {
		defer cpubench.Start(b)()
		for b.Loop() {
			if _, _, found, err := db.CardWithRecord(ctx, "t", c.ID, r.Kind, now); err != nil || !found {
				b.Fatal(found, err)
			}
		}
	})
	b.Run("two", func(b *testing.B) {
		defer cpubench.Start(b)()
		for b.Loop() {
			if _, err := db.GetCard(ctx, "t", c.ID, now); err != nil {
				b.Fatal(err)
			}
			if _, err := db.GetRecord(ctx, r.Kind, c.ID, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
