package audit_test

import (
	"context"
	"testing"

	"github.com/cardvault/cardvault/internal/audit"
)

func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	l, _ := newLog(&testing.T{})
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Record(ctx, audit.Event{Tenant: "default", Actor: "key", Action: "forward"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
