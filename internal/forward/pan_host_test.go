package forward_test

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
)

// A destination host that is a card number never reaches an error's text,
// its Host field or its cause in clear, whatever the relay does with it.
func TestPANLikeHostNeverInErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close() // nothing listens there: the connection is refused

	dns := resolver(map[string]string{
		"4111-1111-1111-1111.example": "127.0.0.1",
		"4111.1111.1111.1111.example": "127.0.0.1",
	})
	rules := "5105105105105100.invalid,http://4111-1111-1111-1111.example:" + port + ",http://127.0.0.1:" + port +
		",4111.1111.1111.1111.example"
	r := newRelay(t, rules, forward.Options{Resolver: dns})
	for _, tc := range []struct{ name, url string }{
		{"no rule", "https://5105105105105100.example/pay"},
		{"unresolvable", "https://5105105105105100.invalid/pay"},
		{"loopback without an IP rule", "https://4111.1111.1111.1111.example/pay"},
		{"connection refused", "http://4111-1111-1111-1111.example:" + port + "/pay/4111_1111_1111_1111"},
		{"card number in the path", "http://127.0.0.1:" + port + "/cards/4111.1111.1111.1111"},
		{"malformed", "https://5105105105105100.invalid:99999/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Do(t.Context(), forward.Request{URL: tc.url})
			if err == nil {
				t.Fatal("forward succeeded")
			}
			var texts []string
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
			var re *forward.RefusedError
			var ue *forward.UpstreamError
			switch {
			case errors.As(err, &re):
				texts = append(texts, re.Host, re.Reason)
			case errors.As(err, &ue):
				texts = append(texts, ue.Host, ue.Err.Error(), fmt.Sprint(ue.Err))
			default:
				t.Fatalf("untyped error %T", err)
			}
			for _, s := range texts {
				if card.ContainsPAN(s) {
					t.Errorf("%q holds a card number", s)
				}
			}
		})
	}
	// An error a facade builds itself prints masked too.
	e := &forward.RefusedError{Host: "5105105105105100.invalid", Reason: "no forward destinations are configured"}
	if card.ContainsPAN(e.Error()) {
		t.Errorf("RefusedError.Error() = %q", e.Error())
	}
	if got := forward.SafeHost("5105105105105100.invalid"); got != "[redacted].invalid" {
		t.Errorf("SafeHost = %q", got)
	}
}
