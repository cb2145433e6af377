package guardian

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/web"
)

func TestParseAllowedOrigins(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string
		ok   bool
	}{
		{``, nil, true},
		{`null`, nil, true},
		{`[]`, []string{}, true},
		{`["https://shop.example"]`, []string{"https://shop.example"}, true},
		{` ["https://a.example", "http://127.0.0.1:9000"] `, []string{"https://a.example", "http://127.0.0.1:9000"}, true},
		{`"https://shop.example"`, nil, false},
		{`{"origin":"https://shop.example"}`, nil, false},
		{`[1]`, nil, false},
		{`[["https://shop.example"]]`, nil, false},
		{`true`, nil, false},
	} {
		got, err := parseAllowedOrigins(json.RawMessage(tc.raw))
		if tc.ok != (err == nil) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v", tc.raw, got, err)
		}
		if err != nil && (vault.CodeOf(err) != vault.CodeInvalid || vault.AsError(err).Field != "source.allowed_origins") {
			t.Errorf("%s: error %v is not a 400 on source.allowed_origins", tc.raw, err)
		}
	}
}

func FuzzParseAllowedOrigins(f *testing.F) {
	for _, s := range []string{`null`, `[]`, `["https://shop.example"]`, `[null]`, `"x"`, `[`, ` [ "a" , "b" ] `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseAllowedOrigins(json.RawMessage(raw))
		if err != nil {
			if got != nil || vault.CodeOf(err) != vault.CodeInvalid {
				t.Fatalf("%q: %q with %v", raw, got, err)
			}
			return
		}
		// What was read must be a JSON array of strings, or nothing.
		var again []string
		if got != nil && json.Unmarshal([]byte(raw), &again) != nil {
			t.Fatalf("%q read as %q", raw, got)
		}
	})
}

func TestCapturedScript(t *testing.T) {
	for _, origins := range [][]string{nil, {"https://shop.example", "http://[::1]:8080"}} {
		src, err := capturedScript("abc_DEF-123", origins)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(origins)
		if origins == nil {
			want = []byte("[]")
		}
		if !strings.Contains(src, `{"session_id":"abc_DEF-123","type":"`+web.MessageType+`"}`) ||
			!strings.Contains(src, "const origins = "+string(want)+";") || web.CheckScript(src) != nil {
			t.Errorf("script for %q:\n%s", origins, src)
		}
	}
	// Whatever the id, nothing in it can end the script element.
	src, err := capturedScript(`</script><script>alert(1)</script>`, nil)
	if err != nil || strings.Contains(src, "</script") || strings.Contains(src, "<script") {
		t.Errorf("unescaped id: %v\n%s", err, src)
	}
}
