package pcivault

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// With every run slot taken and the wait queue full, a caller fails at
// once with ErrBusy; waiters run once a slot frees, and a waiter whose
// context ends leaves the queue.
func TestPVSlotsBoundTheQueue(t *testing.T) {
	s := newPVSlots(1, 2)
	s.run <- struct{}{} // an Argon2id run in progress
	ran := make(chan int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			if _, err := pvWithSlot(context.Background(), s, func() (int, error) { ran <- i; return i, nil }); err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
		})
	}
	for s.waiting.Load() < 2 {
		runtime.Gosched()
	}
	called := false
	if _, err := pvWithSlot(context.Background(), s, func() (int, error) { called = true; return 0, nil }); !errors.Is(err, ErrBusy) || called {
		t.Fatalf("a caller beyond the queue: %v (ran %v)", err, called)
	}
	if vault.CodeOf(ErrBusy) != vault.CodeUnavailable || ErrBusy.Public != "busy, try again" {
		t.Fatalf("ErrBusy is %v", ErrBusy)
	}
	<-s.run // the run in progress ends
	wg.Wait()
	if len(ran) != 2 || s.waiting.Load() != 0 || len(s.run) != 0 {
		t.Fatalf("%d waiters ran, %d still waiting, %d slots held", len(ran), s.waiting.Load(), len(s.run))
	}

	s.run <- struct{}{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := pvWithSlot(ctx, s, func() (int, error) { return 0, nil })
		done <- err
	}()
	for s.waiting.Load() < 1 {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || s.waiting.Load() != 0 {
		t.Fatalf("a cancelled waiter: %v, %d waiting", err, s.waiting.Load())
	}
}
