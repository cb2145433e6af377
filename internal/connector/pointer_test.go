package connector_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/cardvault/cardvault/internal/connector"
)

func TestPointerFind(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`{"id":"pm_1","a/b":{"m~n":[10,{"x":"deep"}]},"":"empty","list":["z"]}`), &doc); err != nil {
		t.Fatal(err)
	}
	for ptr, want := range map[string]any{
		"/id": "pm_1", "/a~1b/m~0n/1/x": "deep", "/a~1b/m~0n/0": float64(10), "/": "empty", "/list/0": "z",
	} {
		p, err := connector.ParsePointer(ptr)
		if err != nil {
			t.Fatalf("%s: %v", ptr, err)
		}
		if got, ok := p.Find(doc); !ok || got != want {
			t.Errorf("%s found %v %v, want %v", ptr, got, ok, want)
		}
		if p.String() != ptr {
			t.Errorf("%s prints as %s", ptr, p.String())
		}
	}
	for _, ptr := range []string{"/nope", "/id/x", "/list/1", "/list/01", "/list/-", "/list/-1", "/a~1b/m~0n/99999999999"} {
		p, err := connector.ParsePointer(ptr)
		if err != nil {
			t.Fatalf("%s: %v", ptr, err)
		}
		if v, ok := p.Find(doc); ok {
			t.Errorf("%s found %v", ptr, v)
		}
	}
	for _, bad := range []string{"id", "/a~", "/a~2", "~0"} {
		if _, err := connector.ParsePointer(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if p, err := connector.ParsePointer(""); err != nil || !p.IsZero() {
		t.Errorf("empty pointer: %v", err)
	}
}

func FuzzParsePointer(f *testing.F) {
	for _, s := range []string{"", "/", "/id", "/a~0b/c~1d/0", "/~", "x", "/data/tokenizeCreditCard/paymentMethod/id"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := connector.ParsePointer(s)
		if err != nil {
			return
		}
		again, err := connector.ParsePointer(p.String())
		if err != nil || again.String() != p.String() {
			t.Fatalf("%q → %q does not round-trip: %v", s, p.String(), err)
		}
		var doc any = map[string]any{"a": []any{"b"}}
		p.Find(doc) // must not panic
	})
}

func FuzzParse(f *testing.F) {
	f.Add(string(file(valid(nil))))
	f.Add(`{"connectors":[{"id":"x","url":"http://h","body":"{{","token_pointer":"/"}]}`)
	f.Add(`{"connectors":[{"id":"x","headers":{"A":"${PSP_KEY}${X}"}}]}`)
	getenv := env(map[string]string{"PSP_KEY": secretKey})
	f.Fuzz(func(t *testing.T, raw string) {
		set, err := connector.Parse([]byte(raw), getenv)
		if err != nil {
			if strings.Contains(err.Error(), secretKey) {
				t.Fatalf("an error shows a header value: %v", err)
			}
			return
		}
		if set.Len() != len(set.IDs()) {
			t.Fatal("Len and IDs disagree")
		}
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"Card 4111 1111 1111 1111 declined", "cvc 123", "a\x00b\u2028c", "12", "1-2-3", strings.Repeat("9", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := connector.Sanitize(s)
		if n := len([]rune(out)); n > 200 {
			t.Fatalf("%d runes", n)
		}
		rs := []rune(out)
		run := 0
		for i, r := range rs {
			switch {
			case unicode.IsDigit(r):
				run++
				if run >= 3 {
					t.Fatalf("a run of digits survives: %q", out)
				}
			case (r == ' ' || r == '-') && i > 0 && unicode.IsDigit(rs[i-1]) && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			default:
				run = 0
			}
			if unicode.IsControl(r) {
				t.Fatalf("a control character survives: %q", out)
			}
		}
	})
}
