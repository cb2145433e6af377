package hatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// load is a bounded set of writers tokenizing cards until stopped.
type load struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	acked    []ack
	statuses map[int]int
	noRetry  int      // 503s without Retry-After
	errs     []string // transport errors and unexpected answers, for the failure message
}

// ack is one acknowledged write: when its request started and when the
// answer came.
type ack struct {
	id       string
	sent, at time.Time
}

// startLoad runs workers goroutines; each calls send in a loop and records
// what it answered. send picks the node (and may retry, as a load balancer
// would) and returns the final answer.
func startLoad(workers int, send func(worker int, client *http.Client) answer) *load {
	l := &load{stop: make(chan struct{}), statuses: map[int]int{}}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				sent := time.Now()
				a := send(w, client)
				l.record(a, sent)
				if a.status == http.StatusServiceUnavailable || a.err != nil {
					time.Sleep(20 * time.Millisecond) // back off as Retry-After asks, briefly
				}
			}
		}()
	}
	return l
}

// record files one answer to a request sent at sent.
func (l *load) record(a answer, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.err != nil {
		l.errs = append(l.errs, a.err.Error())
		return
	}
	l.statuses[a.status]++
	switch a.status {
	case http.StatusCreated:
		var c struct{ ID string }
		if err := json.Unmarshal([]byte(a.body), &c); err != nil || c.ID == "" {
			l.errs = append(l.errs, "201 without an id: "+a.body)
			return
		}
		l.acked = append(l.acked, ack{id: c.ID, sent: sent, at: time.Now()})
	case http.StatusOK: // a call that makes no card of its own (a Guardian token)
	case http.StatusServiceUnavailable:
		if a.retryAfter == "" {
			l.noRetry++
		}
	default:
		l.errs = append(l.errs, fmt.Sprintf("%d %s", a.status, a.body))
	}
}

// waitAcks waits until n writes were acknowledged after since.
func (l *load) waitAcks(t testing.TB, n int, since time.Time) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		got := 0
		for _, a := range l.acked {
			if a.at.After(since) {
				got++
			}
		}
		l.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("fewer than %d writes acknowledged within 60s after %s: %s", n, since.Format(time.RFC3339Nano), l.summary())
}

// firstAckAfter returns when the first write sent after since was
// acknowledged.
func (l *load) firstAckAfter(since time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first time.Time
	for _, a := range l.acked {
		if a.sent.After(since) && (first.IsZero() || a.at.Before(first)) {
			first = a.at
		}
	}
	return first
}

// finish stops the writers and waits for them.
func (l *load) finish() {
	close(l.stop)
	l.wg.Wait()
}

// ids returns every acknowledged card id.
func (l *load) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.acked))
	for i, a := range l.acked {
		out[i] = a.id
	}
	return out
}

// summary renders the statuses seen and the first few unexpected answers.
func (l *load) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var codes []int
	for c := range l.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "%d×%d ", c, l.statuses[c])
	}
	fmt.Fprintf(&b, "acked=%d transport-errors/unexpected=%d", len(l.acked), len(l.errs))
	for i, e := range l.errs {
		if i == 5 {
			break
		}
		b.WriteString("\n  " + e)
	}
	return b.String()
}

// requireOnly fails the test if any answer was other than 201 or (when
// allow503) a 503 carrying Retry-After, or if a transport error occurred.
func (l *load) requireOnly(t testing.TB, allow503 bool) {
	t.Helper()
	l.mu.Lock()
	bad := len(l.errs) > 0 || l.noRetry > 0 || (!allow503 && l.statuses[http.StatusServiceUnavailable] > 0)
	l.mu.Unlock()
	if bad {
		t.Fatalf("unexpected answers under load (503s without Retry-After: %d): %s", l.noRetry, l.summary())
	}
}
