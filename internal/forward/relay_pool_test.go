package forward_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

// TestRelayKeepsConnectionsForConcurrentLoad sends two waves of 64
// forwards that are all in flight at once (the provider answers none until
// all 64 have arrived, so each wave needs 64 connections). The relay must
// keep the first wave's connections and send the second wave over them,
// rather than close the ones above a small idle bound and dial them again
// (connection churn: TIME-WAIT sockets and a TCP handshake per forward).
func TestRelayKeepsConnectionsForConcurrentLoad(t *testing.T) {
	const n = 64
	var dials atomic.Int64
	var mu sync.Mutex
	arrived, release := 0, make(chan struct{})
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		arrived++
		wave := release
		if arrived == n {
			arrived, release = 0, make(chan struct{})
			close(wave)
		}
		mu.Unlock()
		select {
		case <-wave:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	relay := newRelay(t, "http://"+strings.TrimPrefix(up.URL, "http://"), forward.Options{})

	wave := func() {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				resp, err := relay.Do(t.Context(), forward.Request{URL: up.URL + "/pay", Body: []byte(`{}`)})
				if err != nil || resp.Status != http.StatusOK {
					t.Errorf("Do = %v, %v", resp, err)
				}
			})
		}
		wg.Wait()
	}
	wave()
	if got := dials.Load(); got != n {
		t.Fatalf("first wave opened %d connections, want %d", got, n)
	}
	wave()
	// A connection can be asked for a moment before the transport has put
	// the previous response's connection back, so allow a few new ones; a
	// relay that keeps only 32 idle connections opens at least 32 here.
	if again := dials.Load() - n; again >= n/4 {
		t.Errorf("second wave opened %d new connections, want the first wave's %d reused", again, n)
	}
}
