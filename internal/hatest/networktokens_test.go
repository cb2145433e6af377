package hatest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// psp is a loopback payment provider that counts what reaches it.
type psp struct {
	*httptest.Server
	hits atomic.Int32
}

func newPSP(t testing.TB) *psp {
	p := &psp{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(p.Close)
	return p
}

// rule is the forward allowlist rule that lets the vault reach it.
func (p *psp) rule() string { return "http://" + p.Listener.Addr().String() }

// cryptogramOnceAcrossNodes provisions a sandbox network token on one
// node, mints cryptogram references on another, and sends every node the
// same reference at once, several times each: exactly one forward reaches
// the provider, every other answer is 409 CRYPTOGRAM_ALREADY_USED.
func cryptogramOnceAcrossNodes(t *testing.T, client *http.Client, nodes []*node, p *psp) {
	const body = `{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":2039}}`
	ans := mustStatus(t, do(client, "POST", nodes[0].URL()+"/api/network/tokens", body), 200)
	var nt struct {
		ID      string `json:"id"`
		Sandbox bool   `json:"sandbox"`
	}
	decodeJSON(t, ans.body, &nt)
	if !nt.Sandbox {
		t.Fatalf("a sandbox token that does not say so: %s", ans.body)
	}
	const fwd = `{"number":"{{ number }}","cryptogram":"{{ cryptogram }}","eci":"{{ eci }}"}`
	for round := range 2 {
		ans = mustStatus(t, do(client, "POST", nodes[1].URL()+"/api/network/tokens/"+nt.ID+"/cryptograms",
			`{"mode":"reference","amount":700,"currency_code":"EUR"}`), 200)
		var ref struct {
			Reference string `json:"cryptogram_reference"`
		}
		decodeJSON(t, ans.body, &ref)
		before := p.hits.Load()
		var mu sync.Mutex
		counts := map[int]int{}
		var wg sync.WaitGroup
		for i := range 4 * len(nodes) {
			n := nodes[i%len(nodes)]
			wg.Go(func() {
				a := do(client, "POST", n.URL()+"/api/network/tokens/"+nt.ID+"/forward", fwd,
					"x-destination-url", p.URL+"/pay", "x-cryptogram-reference", ref.Reference)
				if a.status == http.StatusConflict && !strings.Contains(a.body, "CRYPTOGRAM_ALREADY_USED") {
					t.Errorf("node %s: %s", n.name, a.body)
				}
				mu.Lock()
				counts[a.status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if counts[http.StatusCreated] != 1 || counts[http.StatusConflict] != 4*len(nodes)-1 || p.hits.Load()-before != 1 {
			t.Fatalf("round %d: answers %v, %d reached the provider", round, counts, p.hits.Load()-before)
		}
	}
}
