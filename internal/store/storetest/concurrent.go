package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// testConcurrentWriters: writers racing on one store lose no write, and an
// optimistic counter updated with retries on ErrConflict counts every
// successful increment exactly once.
func testConcurrentWriters(t *testing.T, s vault.Store) {
	const workers, each = 8, 25
	ctx, now := t.Context(), epoch()
	counter := newRecord("a", "counter", "counter", "", "", now)
	counter.Data = []byte("0")
	check(t, s.CreateRecord(ctx, counter), "CreateRecord counter")

	var increments, retries atomic.Int64
	increment := func(st vault.Store) error {
		for {
			r, err := st.GetRecord(ctx, "counter", "counter", now)
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(string(r.Data))
			if err != nil {
				return err
			}
			r.Data = []byte(strconv.Itoa(n + 1))
			_, err = st.UpdateRecord(ctx, r, now)
			if errors.Is(err, vault.ErrConflict) {
				retries.Add(1)
				continue
			}
			if err == nil {
				increments.Add(1)
			}
			return err
		}
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				c := newCard("a", fmt.Sprintf("card_%d_%02d", w, i), now)
				var err error
				if i%5 == 0 { // some of the work inside transactions
					err = s.Tx(ctx, func(tx vault.Store) error {
						if err := tx.CreateCard(ctx, c); err != nil {
							return err
						}
						return increment(tx)
					})
				} else {
					err = s.CreateCard(ctx, c)
					if err == nil {
						err = increment(s)
					}
				}
				if err != nil {
					t.Errorf("worker %d step %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	r, err := s.GetRecord(ctx, "counter", "counter", now)
	check(t, err, "GetRecord counter")
	if got, want := string(r.Data), strconv.FormatInt(increments.Load(), 10); got != want {
		t.Errorf("counter = %s, want %s successful increments", got, want)
	}
	if increments.Load() != workers*each || r.Version != workers*each+1 {
		t.Errorf("increments %d, version %d; want %d and %d", increments.Load(), r.Version, workers*each, workers*each+1)
	}
	if got := len(listAllCards(t, s, "a", 100, now, nil)); got != workers*each {
		t.Errorf("cards stored = %d, want %d", got, workers*each)
	}
	t.Logf("%d increments, %d retries on conflict", increments.Load(), retries.Load())
}
