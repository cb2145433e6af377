package pcivault

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/forward"
)

// proxyCard reads any stored object without panicking, and its errors
// never quote the data.
func FuzzProxyCard(f *testing.F) {
	for _, s := range []string{
		`{"card_number":"4111 1111 1111 1111","card_holder":"J DOE","card_expiry":"06-2031","cvv":"123"}`,
		`{"number":4111111111111111,"expiry_month":"6","expiry_year":"2031"}`,
		`{"n":"4111111111111112"}`, `{"CARD_NUMBER":"5555555555554444","expiry":"12/30"}`, `[]`, `{"cvv":1}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := proxyCard(data)
		if err != nil {
			if msg := err.Error(); len(data) > 8 && strings.Contains(msg, string(data)) {
				t.Fatalf("error %q quotes the data", msg)
			}
			return
		}
		if s := fmt.Sprint(c.PAN); c.PAN.Len() > 0 && strings.Contains(s, c.PAN.Digits()) {
			t.Fatalf("the card number prints as %q", s)
		}
		_, _ = forward.Values(ProxySyntax, []forward.Card{c})("card_number")
	})
}

// The proxy placeholders are exactly the documented names.
func TestProxySyntax(t *testing.T) {
	for _, name := range []string{"card_number", "number", "n", "card_holder", "cvv", "expiry", "expiry_month", "expiry_year", "expiry_year_short"} {
		if _, ok := ProxySyntax(name); !ok {
			t.Errorf("%s is not a placeholder", name)
		}
	}
	for _, name := range []string{"CARD_NUMBER_1", "account_number", "Card_Number", "security_code"} {
		if _, ok := ProxySyntax(name); ok {
			t.Errorf("%s is a placeholder", name)
		}
	}
}
