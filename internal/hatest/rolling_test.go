package hatest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// balancer routes requests the way a load balancer does: only to nodes
// whose /readyz answered 200 at the last health check, and on to the next
// node only when a connection is refused (nothing was sent).
type balancer struct {
	nodes   []*node
	ready   []atomic.Bool
	drained []atomic.Bool // saw /readyz 503 while the node still answered
	next    atomic.Uint64
	stop    chan struct{}
	done    sync.WaitGroup
}

// newBalancer health-checks nodes every 25 ms until the test ends.
func newBalancer(t testing.TB, nodes ...*node) *balancer {
	b := &balancer{nodes: nodes, ready: make([]atomic.Bool, len(nodes)), drained: make([]atomic.Bool, len(nodes)),
		stop: make(chan struct{})}
	b.done.Add(1)
	go func() {
		defer b.done.Done()
		for {
			for i, n := range b.nodes {
				status := readyz(n)
				b.ready[i].Store(status == http.StatusOK)
				if status == http.StatusServiceUnavailable {
					b.drained[i].Store(true)
				}
			}
			select {
			case <-b.stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() { close(b.stop); b.done.Wait() })
	return b
}

// send makes a request on a ready node, moving on to the other nodes on a
// refused connection, for at most 30 s.
func (b *balancer) send(c *http.Client, method, path, body string, hdr ...string) answer {
	deadline := time.Now().Add(30 * time.Second)
	for {
		start := int(b.next.Add(1))
		for k := range b.nodes {
			i := (start + k) % len(b.nodes)
			if !b.ready[i].Load() {
				continue
			}
			a := do(c, method, b.nodes[i].URL()+path, body, hdr...)
			if a.err != nil && refused(a.err) {
				continue
			}
			return a
		}
		if time.Now().After(deadline) {
			return answer{err: fmt.Errorf("no node took the request within 30s")}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Restarting each of two nodes in turn under load fails no request: on
// SIGTERM /readyz turns 503 first, the balancer stops sending, in-flight
// requests (a forward waiting on a slow provider among them) finish, and
// the node comes back on the same address.
func TestRollingRestart(t *testing.T) {
	requireHA(t)
	pg := newPrimary(t, "")
	var providerCalls atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		providerCalls.Add(1)
		time.Sleep(3 * time.Second) // the provider is slow; the vault must wait for it
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"outcome":"authorised"}`)
	}))
	defer slow.Close()
	env := []string{"CARDVAULT_DATABASE_URL=" + pg.URL(), "CARDVAULT_MASTER_KEY=" + masterKey(),
		"CARDVAULT_DRAIN_DELAY=1s", "CARDVAULT_SHUTDOWN_TIMEOUT=20s", "CARDVAULT_FORWARD_ALLOW=" + slow.URL}
	nodes := []*node{newNode(t, "a", env...), newNode(t, "b", env...)}
	for _, n := range nodes {
		n.start(t)
		n.waitReady(t)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var tok struct{ ID string }
	decodeJSON(t, mustStatus(t, do(client, "POST", nodes[0].URL()+"/api/pci/tokens",
		`{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`), 200).body, &tok)

	lb := newBalancer(t, nodes...)
	l := startLoad(4, func(_ int, c *http.Client) answer {
		return lb.send(c, "POST", "/cardvault/v1/cards", cardBody)
	})
	l.waitAcks(t, 30, time.Time{})
	for i, n := range nodes {
		// A forward waiting on the slow provider when SIGTERM comes.
		before := providerCalls.Load()
		fwd := make(chan answer, 1)
		go func() {
			fwd <- do(client, "POST", n.URL()+"/api/pci/tokens/"+tok.ID+"/forward", `{"pan":"{{ account_number }}"}`,
				"x-destination-url", slow.URL+"/pay")
		}()
		waitFor(t, "the forward to reach the provider", func() bool { return providerCalls.Load() > before })
		n.signal(t, syscall.SIGTERM)
		if a := <-fwd; a.err != nil || a.status != http.StatusOK || a.body != `{"outcome":"authorised"}` {
			t.Errorf("forward in flight on node %s during SIGTERM: %d %s %v", n.name, a.status, a.body, a.err)
		}
		if err := n.wait(t, time.Minute); err != nil {
			t.Fatalf("node %s exited with %v after SIGTERM\n%s", n.name, err, n.Logs())
		}
		if !lb.drained[i].Load() {
			t.Errorf("node %s stopped without /readyz answering 503 first", n.name)
		}
		n.start(t)
		n.waitReady(t)
		l.waitAcks(t, 30, time.Now())
	}
	l.finish()
	t.Logf("rolling restart of two nodes: %s", l.summary())
	l.requireOnly(t, false)
}
