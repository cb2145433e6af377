package guardian

import (
	"net/http"
	"testing"
)

// outboundHeaders compares keys as they are, as Header.Del compares a
// canonical name: every name it drops must be written canonically, or a
// request's (canonical) header of that name would go on to the provider.
func TestOutboundHeaderNamesAreCanonical(t *testing.T) {
	for _, list := range [][]string{guardianHeaders, proxyHeaders, providerCredentialHeaders} {
		for _, name := range list {
			if c := http.CanonicalHeaderKey(name); c != name {
				t.Errorf("%q is not canonical (%q)", name, c)
			}
		}
	}
}

// BenchmarkOutboundHeaders splits the headers of bench/wrk.sh's forward
// request.
func BenchmarkOutboundHeaders(b *testing.B) {
	in := http.Header{"X-Api-Key": {"wrk-key-0123456789abcdef"}, "Content-Type": {"application/json"},
		"Idempotency-Key": {"bench"}, "X-Destination-Url": {"http://127.0.0.1:20150/payments"},
		"Host": {"127.0.0.1:20151"}, "Content-Length": {"380"}}
	b.ReportAllocs()
	for b.Loop() {
		h, p := outboundHeaders(in, nil)
		if len(h) == 0 || p == nil {
			b.Fatal("empty")
		}
	}
}
