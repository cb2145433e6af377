package pcivault

import (
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestPVNumbers(t *testing.T) {
	for _, c := range []struct {
		in       string
		field    string
		kind     string
		value    string
		numbered bool
	}{
		{`{"card_number":"4111 1111 1111 1111"}`, "card_number", "pan", "4111111111111111", true},
		{`{"number":"4111-1111-1111-1111","card_number":"4111111111111111"}`, "number", "pan", "4111111111111111", true},
		{`{"n":4111111111111111}`, "n", "pan", "4111111111111111", true},
		{`{"card_number":"","number":"5555 5555 5555 4444"}`, "number", "pan", "5555555555554444", true},
		{`{"account_number":"de89 3704 0044 0532 0130 00"}`, "account_number", "account", "DE89370400440532013000", true},
		{`{"card_number":null,"cvv":"123"}`, "", "", "", false},
		{`{"holder":"x"}`, "", "", "", false},
		{`{"Number":"5555 5555 5555 4444"}`, "Number", "pan", "5555555555554444", true},
		{`{"CARD_NUMBER":"4111111111111111","card_number":"4111-1111-1111-1111"}`, "CARD_NUMBER", "pan", "4111111111111111", true},
		{`{"Account_Number":"de89 3704 0044 0532 0130 00"}`, "Account_Number", "account", "DE89370400440532013000", true},
	} {
		ms, err := pvParseObject([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		ns, err := pvNumbers(ms)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		n, ok, err := pvPickNumber(ns)
		if err != nil || ok != c.numbered || n.field != c.field || n.kind != c.kind || n.value != c.value {
			t.Errorf("%s: picked %+v %v %v", c.in, n, ok, err)
		}
	}
	for in, field := range map[string]string{
		`{"card_number":"4111111111111112"}`:                                     "card_number",
		`{"number":true}`:                                                        "number",
		`{"n":[4111111111111111]}`:                                               "n",
		`{"n":4.111111111111111e15}`:                                             "n",
		`{"account_number":"12"}`:                                                "account_number",
		`{"account_number":"DE89_3704"}`:                                         "account_number",
		`{"number":"4111111111111111","n":"5555555555554444"}`:                   "n",
		`{"card_number":"4111111111111111","account_number":"4111111111111111"}`: "account_number",
		`{"CARD_NUMBER":"4111111111111112"}`:                                     "CARD_NUMBER",
		`{"N":true}`:                                                             "N",
		`{"card_number":"4111111111111111","Card_Number":"5555555555554444"}`:    "Card_Number",
		`{"card_number":"4111111111111111","CARD_NUMBER":""}`:                    "CARD_NUMBER",
		`{"Number":null,"number":"4111111111111111"}`:                            "number",
	} {
		ms, err := pvParseObject([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		ns, err := pvNumbers(ms)
		if err == nil {
			_, _, err = pvPickNumber(ns)
		}
		e := vault.AsError(err)
		if err == nil || e.Code != vault.CodeInvalid || e.Field != field {
			t.Errorf("%s: %v, want invalid %s", in, err, field)
			continue
		}
		if strings.Contains(e.Public, "4111111111111") || strings.Contains(e.Public, "5555555555554444") {
			t.Errorf("%s: message %q quotes the number", in, e.Public)
		}
	}
}

func FuzzPVAccountNumber(f *testing.F) {
	for _, s := range []string{"000123456789", "DE89 3704 0044 0532 0130 00", "12", "a-b-c-d", "ß1234", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := pvAccountNumber(s)
		if !ok {
			return
		}
		if len(v) < 4 || len(v) > 34 || strings.Trim(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			t.Fatalf("pvAccountNumber(%q) = %q", s, v)
		}
		if again, ok := pvAccountNumber(v); !ok || again != v {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, v, again)
		}
	})
}
