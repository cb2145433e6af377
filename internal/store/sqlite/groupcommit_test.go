package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// Concurrent transactions that commit, fail or panic at random: exactly the
// ones that reported success are visible afterwards.
func TestGroupCommitKeepsExactlyTheSuccessfulCalls(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "g.db"))
	var (
		mu   sync.Mutex
		want = map[string]bool{}
		wg   sync.WaitGroup
	)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				key := fmt.Sprintf("k-%d-%d", w, i)
				mode := rand.IntN(3)
				err := func() (err error) {
					defer func() {
						if recover() != nil {
							err = errors.New("panicked")
						}
					}()
					return db.Tx(ctx, func(tx vault.Store) error {
						if err := tx.InsertMeta(ctx, key, []byte("v")); err != nil {
							return err
						}
						switch mode {
						case 1:
							return errors.New("refused")
						case 2:
							panic("boom")
						}
						return nil
					})
				}()
				if err == nil {
					mu.Lock()
					want[key] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for w := range 16 {
		for i := range 50 {
			key := fmt.Sprintf("k-%d-%d", w, i)
			_, err := db.GetMeta(ctx, key)
			if got := err == nil; got != want[key] {
				t.Fatalf("%s visible %v, reported committed %v", key, got, want[key])
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("no call succeeded; the test proves nothing")
	}
}

// A caller whose context ends while its call is queued behind a slow group
// returns at once, and its function never runs.
func TestGroupCommitCancelledWhileQueued(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "g.db"))
	release := make(chan struct{})
	started := make(chan struct{})
	go db.Tx(ctx, func(vault.Store) error { close(started); <-release; return nil })
	<-started
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	ran := false
	errc := make(chan error, 1)
	go func() { errc <- db.Tx(cctx, func(vault.Store) error { ran = true; return nil }) }()
	select {
	case err := <-errc:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("cancelled Tx returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled Tx waited for the group ahead of it")
	}
	close(release)
	if err := db.Tx(ctx, func(vault.Store) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("the abandoned function ran")
	}
}

// A function that ends its goroutine fails its call; the store keeps working.
func TestGroupCommitSurvivesGoexit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "g.db"))
	err := db.Tx(ctx, func(tx vault.Store) error {
		_ = tx.InsertMeta(ctx, "lost", []byte("v"))
		runtime.Goexit()
		return nil
	})
	if !errors.Is(err, errGoexit) {
		t.Fatalf("Tx returned %v", err)
	}
	if _, err := db.GetMeta(ctx, "lost"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the exited call's write is visible: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- db.Tx(ctx, func(tx vault.Store) error { return tx.InsertMeta(ctx, "after", []byte("v")) })
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the store hangs after a Goexit")
	}
}

// When a statement rolls the whole transaction back, no later write of the
// group (or of the same call) slips into autocommit.
func TestGroupCommitNoAutocommitAfterWholeRollback(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "g.db"))
	if _, err := db.writer.ExecContext(ctx, `CREATE TRIGGER meta_rollback BEFORE INSERT ON meta
		WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ROLLBACK, 'poisoned'); END`); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(tx vault.Store) error {
		_ = tx.InsertMeta(ctx, "poison", []byte("v")) // swallowed on purpose
		return tx.InsertMeta(ctx, "after-poison", []byte("v"))
	})
	if err == nil {
		t.Fatal("Tx reported success")
	}
	if _, err := db.GetMeta(ctx, "after-poison"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("a write after the rollback was committed on its own: %v", err)
	}
	if err := db.Tx(ctx, func(tx vault.Store) error { return tx.InsertMeta(ctx, "next", []byte("v")) }); err != nil {
		t.Fatalf("the next Tx failed: %v", err)
	}
}

// One call at a time, each alone in its group (run without a savepoint):
// a call that fails or panics after writing leaves nothing behind, and the
// next call's writes are not caught in its rollback.
func TestGroupCommitLoneCallsRollBackAlone(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, filepath.Join(t.TempDir(), "g.db"))
	for i, mode := range []string{"ok", "refused", "ok", "panic", "unique", "ok"} {
		key := fmt.Sprintf("k-%d", i)
		err := func() (err error) {
			defer func() {
				if recover() != nil {
					err = errors.New("panicked")
				}
			}()
			return db.Tx(ctx, func(tx vault.Store) error {
				if err := tx.InsertMeta(ctx, key, []byte("v")); err != nil {
					return err
				}
				switch mode {
				case "refused":
					return errors.New("refused")
				case "panic":
					panic("boom")
				case "unique": // a statement that fails and leaves the transaction usable
					if err := tx.InsertMeta(ctx, "k-0", []byte("again")); err != nil {
						return err
					}
				}
				return nil
			})
		}()
		if (err == nil) != (mode == "ok") {
			t.Fatalf("call %d (%s): %v", i, mode, err)
		}
	}
	for i, mode := range []string{"ok", "refused", "ok", "panic", "unique", "ok"} {
		_, err := db.GetMeta(ctx, fmt.Sprintf("k-%d", i))
		if visible := err == nil; visible != (mode == "ok") {
			t.Errorf("call %d (%s): its write visible %v", i, mode, visible)
		}
	}
	if v, err := db.GetMeta(ctx, "k-0"); err != nil || string(v) != "v" {
		t.Errorf("k-0 = %q, %v", v, err)
	}
}
