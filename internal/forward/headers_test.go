package forward_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

// hopByHopLower are hop-by-hop headers (and one a Connection header names)
// under lowercase map keys, as a facade may build them by hand.
func hopByHopLower() http.Header {
	return http.Header{
		"connection":          {"keep-alive, x-drop-me"},
		"x-drop-me":           {"1"},
		"upgrade":             {"websocket"},
		"te":                  {"trailers"},
		"keep-alive":          {"timeout=5"},
		"trailer":             {"X-T"},
		"proxy-connection":    {"keep-alive"},
		"proxy-authorization": {"Basic eDp5"},
		"x-merchant":          {"m1"},
	}
}

// dropped are the names no outbound header may have, in any letter case.
var dropped = []string{"Connection", "X-Drop-Me", "Upgrade", "Te", "Keep-Alive", "Trailer", "Proxy-Connection", "Proxy-Authorization"}

// TestHopByHopDroppedWhateverTheCase: hop-by-hop headers are recognised by
// their canonical name, so lowercase map keys in Header or Own never leave,
// neither in a dry run (Prepare) nor on the wire (Do).
func TestHopByHopDroppedWhateverTheCase(t *testing.T) {
	up := newUpstream(t, nil)
	r := newRelay(t, "http://"+up.hostPort(), forward.Options{})
	for _, field := range []string{"Header", "Own"} {
		t.Run(field, func(t *testing.T) {
			req := forward.Request{URL: up.URL + "/pay", Body: []byte(`{}`)}
			if field == "Header" {
				req.Header = hopByHopLower()
			} else {
				req.Own = hopByHopLower()
			}
			ob, err := r.Prepare(t.Context(), req)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			assertNoHopByHop(t, "Prepare", ob.Header)
			if _, err := r.Do(t.Context(), req); err != nil {
				t.Fatalf("Do: %v", err)
			}
			assertNoHopByHop(t, "upstream", up.last.Load().Header)
		})
	}
}

func assertNoHopByHop(t *testing.T, where string, h http.Header) {
	t.Helper()
	for name, vs := range h {
		for _, d := range dropped {
			if strings.EqualFold(name, d) {
				t.Errorf("%s: %s: %q relayed", where, name, vs)
			}
		}
	}
	if got := h.Get("X-Merchant"); got != "m1" {
		t.Errorf("%s: X-Merchant = %q, want m1", where, got)
	}
}
