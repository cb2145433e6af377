package transfer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/transfer"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// TestExportImportMemory measures, for CARDVAULT_TEST_EXPORT_CARDS cards,
// the peak heap of an export and of an import, and checks every card comes
// back under its id. It only runs when asked:
//
//	CARDVAULT_TEST_EXPORT_CARDS=100000 go test ./internal/transfer -run Memory -v -timeout 30m
//
// Figures go to bench/README.md.
func TestExportImportMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CARDVAULT_TEST_EXPORT_CARDS"))
	if n <= 0 {
		t.Skip("set CARDVAULT_TEST_EXPORT_CARDS=N to measure")
	}
	src := newVault(t, "shop")
	exp, _ := card.NewExpiry(12, 2040)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				pan, _ := card.ParsePAN(vaulttest.WithLuhn(fmt.Sprintf("4%014d", i)))
				if _, err := src.CreateCard(t.Context(), "shop", vault.CardInput{PAN: pan, Expiry: exp, Holder: "Holder Name"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	id, _ := age.GenerateX25519Identity()
	path := filepath.Join(t.TempDir(), "export.cvx")
	f, _ := os.Create(path)
	_, stop := heapPeak()
	start := time.Now()
	counts, err := transfer.Export(t.Context(), f, id.Recipient(), "shop", src, time.Now(), nil)
	f.Close()
	exportPeak, exportTime := stop(), time.Since(start)
	if err != nil || counts.Cards != n {
		t.Fatalf("export: %d cards, %v", counts.Cards, err)
	}
	dst := newVault(t, "shop")
	f, _ = os.Open(path)
	defer f.Close()
	_, stop = heapPeak()
	start = time.Now()
	sum, err := transfer.Import(t.Context(), f, id, "shop", dst, discard{}, nil)
	importPeak, importTime := stop(), time.Since(start)
	if err != nil || sum.Imported != n {
		t.Fatalf("import: %+v, %v", sum, err)
	}
	missing := 0
	if err := src.EachCard(t.Context(), "shop", func(c vault.RevealedCard) error {
		got, err := dst.RevealCard(t.Context(), "shop", c.ID)
		if err != nil || got.PAN.Digits() != c.PAN.Digits() {
			missing++
		}
		return nil
	}); err != nil || missing > 0 {
		t.Fatalf("%d cards differ after import (%v)", missing, err)
	}
	st, _ := os.Stat(path)
	t.Logf("%d cards: export %.1fs, file %.1f MiB, peak heap %.1f MiB; import %.1fs, peak heap %.1f MiB",
		n, exportTime.Seconds(), float64(st.Size())/(1<<20), float64(exportPeak)/(1<<20), importTime.Seconds(), float64(importPeak)/(1<<20))
}

// heapPeak samples the heap in use until stop is called and returns the peak.
func heapPeak() (func() uint64, func() uint64) {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return peak.Load, func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
