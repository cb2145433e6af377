package pcivault

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

func TestPVParseObject(t *testing.T) {
	for _, c := range []struct {
		in   string
		keys []string
	}{
		{`{}`, nil},
		{` {"b":1, "a" : {"x":[1,2]} ,"c":null} `, []string{"b", "a", "c"}},
		{`{"\u0061":"x"}`, []string{"a"}},
	} {
		ms, err := pvParseObject([]byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		var keys []string
		for _, m := range ms {
			keys = append(keys, m.Key)
		}
		if len(keys) != len(c.keys) || (len(keys) > 0 && string(mustJSON(t, keys)) != string(mustJSON(t, c.keys))) {
			t.Errorf("%s: keys %v, want %v", c.in, keys, c.keys)
		}
	}
	for _, bad := range []string{``, ` `, `[]`, `"x"`, `1`, `null`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1}x`,
		`{"a":1}{}`, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{1:2}`} {
		if _, err := pvParseObject([]byte(bad)); vault.CodeOf(err) != vault.CodeInvalid {
			t.Errorf("pvParseObject(%q) = %v, want invalid", bad, err)
		}
	}
	if _, err := pvParseObject(bytes.Repeat([]byte(" "), MaxData+1)); vault.CodeOf(err) != vault.CodeInvalid {
		t.Errorf("an over-long body was accepted")
	}
}

func TestPVMergeKeepsOrderAndValues(t *testing.T) {
	base, _ := pvParseObject([]byte(`{"card_number":"4111 1111 1111 1111","cvv":"000","exp":{"m": 6}}`))
	upd, _ := pvParseObject([]byte(`{"cvv":"145","new":[1, 2],"exp":{"m":7}}`))
	got := string(pvEncodeObject(pvMerge(base, upd)))
	const want = `{"card_number":"4111 1111 1111 1111","cvv":"145","exp":{"m":7},"new":[1, 2]}`
	if got != want {
		t.Fatalf("merged %s, want %s", got, want)
	}
	if again := string(pvEncodeObject(pvMerge(base, nil))); again != `{"card_number":"4111 1111 1111 1111","cvv":"000","exp":{"m": 6}}` {
		t.Fatalf("empty merge gave %s", again)
	}
	odd, _ := pvParseObject([]byte(`{"<a&b>":"\u003c","quote\"d":1}`))
	if got := string(pvEncodeObject(odd)); got != `{"<a&b>":"\u003c","quote\"d":1}` {
		t.Fatalf("odd keys encode as %s", got)
	}
}

func FuzzPVParseObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"card_number":"4111111111111111","n":4111111111111111}`,
		`{"a":{"b":[1,{"c":null}]},"d":"\u00e9"}`, `[1]`, `{"a":1,"a":2}`, `{"a":1} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ms, err := pvParseObject(raw)
		if err != nil {
			if vault.CodeOf(err) != vault.CodeInvalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("accepted invalid JSON %q", raw)
		}
		// Encoding what was parsed gives an object that parses to the same fields.
		enc := pvEncodeObject(ms)
		again, err := pvParseObject(enc)
		if err != nil || len(again) != len(ms) {
			t.Fatalf("re-parse of %s: %v", enc, err)
		}
		for i := range ms {
			if again[i].Key != ms[i].Key || !bytes.Equal(again[i].Value, ms[i].Value) {
				t.Fatalf("field %d changed: %q=%s vs %q=%s", i, ms[i].Key, ms[i].Value, again[i].Key, again[i].Value)
			}
		}
		// Numbers never panic and never echo input in errors.
		if _, err := pvNumbers(ms); err != nil && bytes.Contains(raw, []byte(err.Error())) && len(err.Error()) > 20 {
			t.Fatalf("error %q quotes the input", err)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
