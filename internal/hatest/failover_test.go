package hatest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// probe is one /readyz answer and when its request started and ended.
type probe struct {
	start, end time.Time
	status     int
}

// watchReady polls a node's /readyz every 20 ms until stop is closed.
func watchReady(n *node, stop <-chan struct{}) func() []probe {
	var (
		mu     sync.Mutex
		probes []probe
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			start := time.Now()
			status := readyz(n)
			mu.Lock()
			probes = append(probes, probe{start: start, end: time.Now(), status: status})
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() []probe { wg.Wait(); return probes }
}

// A synchronous standby takes over under load: the primary stops abruptly,
// the standby is promoted, and the vault (on a multi-host URL) reconnects by
// itself. /readyz is 503 only while no writable primary exists, clients
// see 201 or a 503 with Retry-After, and every write that got a 201 is on
// the new primary.
func TestFailoverToSynchronousStandby(t *testing.T) {
	requireHA(t)
	primary := newPrimary(t, "standby1")
	standby := primary.newStandby(t, "standby1")
	waitFor(t, "the standby to replicate synchronously", func() bool {
		var state string
		query(t, primary.URL(), `SELECT coalesce(max(sync_state), '') FROM pg_stat_replication WHERE application_name = 'standby1'`, nil, &state)
		return state == "sync"
	})
	key := masterKey()
	multi := fmt.Sprintf("postgres://postgres@%s,%s/postgres?sslmode=disable&target_session_attrs=read-write&connect_timeout=2",
		primary.Host(), standby.Host())

	t.Run("a URL with no writable host is refused", func(t *testing.T) {
		n := newNode(t, "standby-only", "CARDVAULT_MASTER_KEY="+key, "CARDVAULT_DATABASE_URL="+
			fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&target_session_attrs=read-write", standby.Host()))
		n.start(t)
		if err := n.wait(t, time.Minute); err == nil {
			t.Fatal("a vault with no writable host started")
		}
		if !strings.Contains(n.Logs(), "no writable primary") {
			t.Errorf("the refusal does not say why:\n%s", n.Logs())
		}
	})

	v := newNode(t, "vault", "CARDVAULT_MASTER_KEY="+key, "CARDVAULT_DATABASE_URL="+multi)
	v.start(t)
	v.waitReady(t)
	stopWatch := make(chan struct{})
	probes := watchReady(v, stopWatch)
	l := startLoad(6, func(_ int, c *http.Client) answer {
		return do(c, "POST", v.URL()+"/cardvault/v1/cards", cardBody)
	})
	l.waitAcks(t, 50, time.Time{})

	stopAt := time.Now()
	primary.stopImmediately(t)
	stopped := time.Now()
	waitFor(t, "/readyz to notice there is no writable primary", func() bool { return readyz(v) == http.StatusServiceUnavailable })
	promoteAt := time.Now()
	standby.promote(t)
	promoted := time.Now()
	l.waitAcks(t, 50, promoted)
	l.finish()
	close(stopWatch)

	firstAck := l.firstAckAfter(stopped)
	t.Logf("failover: %s", l.summary())
	t.Logf("failover window: primary stop to first acknowledged write sent after it %s (of which the test's "+
		"detection and promotion %s); promotion returned to that write %s",
		firstAck.Sub(stopAt).Round(time.Millisecond), promoted.Sub(stopAt).Round(time.Millisecond),
		firstAck.Sub(promoted).Round(time.Millisecond))
	l.requireOnly(t, true)

	back := time.Time{}
	for _, p := range probes() {
		switch {
		case p.status != http.StatusOK && p.end.Before(stopAt):
			t.Errorf("/readyz %d before the primary stopped (at %s)", p.status, p.start.Format(time.StampMilli))
		case p.status == http.StatusOK && p.start.After(stopped) && p.end.Before(promoteAt):
			t.Errorf("/readyz 200 while no writable primary existed (at %s)", p.start.Format(time.StampMilli))
		case p.status == http.StatusOK && p.start.After(promoted) && back.IsZero():
			back = p.start
		case p.status != http.StatusOK && !back.IsZero():
			t.Errorf("/readyz %d after it was ready on the new primary (at %s)", p.status, p.start.Format(time.StampMilli))
		}
	}
	if back.IsZero() {
		t.Error("/readyz never answered 200 after the promotion")
	}
	ids := l.ids()
	if present, _ := countCards(t, standby.URL(), ids); present != len(ids) {
		t.Fatalf("%d of %d acknowledged cards are on the new primary", present, len(ids))
	}
}
