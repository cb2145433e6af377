package vault_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// BenchmarkRevealCard reads and opens a card as the native reveal does (the
// store read, three sealed fields, the extra and metadata JSON), from
// several goroutines at once.
func BenchmarkRevealCard(b *testing.B) {
	c := vaulttest.NewCore(b, vault.Options{})
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
	defer cancel()
	v, err := c.Vault.CreateCard(ctx, vault.DefaultTenant, vault.CardInput{PAN: vaulttest.MustPAN(b, "4111111111111111"),
		Holder: "Bench Holder", Metadata: map[string]string{"order": "o-1"}, Extra: map[string]string{"k": "v"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Vault.RevealCard(ctx, vault.DefaultTenant, v.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRecordGet reads and opens a typed record (envelope, unseal, JSON
// of the value), as PCI Vault reveals and held security codes do.
func BenchmarkRecordGet(b *testing.B) {
	c := vaulttest.NewCore(b, vault.Options{})
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, like a request's
	defer cancel()
	secret := make([]byte, 1500)
	for i := range secret {
		secret[i] = 'a' + byte(i%26)
	}
	n, err := notes.Put(ctx, c.Vault, vault.Stored[note]{Tenant: vault.DefaultTenant, ID: "n1",
		Value: note{Name: "first", Group: "g", Secret: string(secret)}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := notes.Get(ctx, c.Vault, vault.DefaultTenant, n.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU starts counting the process's CPU time (user and system); the
// function it returns reports it per operation as cpu-µs/op, a figure that
// does not depend on how much of the machine the benchmark got.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// cpuTime is the process's CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
