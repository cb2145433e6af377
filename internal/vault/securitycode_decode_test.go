package vault

import (
	"encoding/json"
	"testing"
)

func TestHeldCodeDecodeDirect(t *testing.T) {
	for _, v := range []heldCode{
		{CardID: "6f1c1d5e-6a44-4c1e-9a53-2f0e4c1b7d11", Code: "123"},
		{CardID: "6f1c1d5e-6a44-4c1e-9a53-2f0e4c1b7d11", Code: "0007"},
		{CardID: "", Code: ""},
	} {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var got heldCode
		if !got.DecodeDirect(raw) || got != v {
			t.Errorf("%s: direct %+v (want %+v)", raw, got, v)
		}
	}
	// What the direct path leaves to encoding/json, which still decodes it.
	for _, raw := range []string{`{"card_id":"a\u0062","code":"123"}`, `{"code":"123","card_id":"ab"}`,
		`{"card_id":"a b","code":"1"}`, `{"card_id":"ab","code":"1","x":1}`, `{"card_id":"a","code":"1"} `,
		`{"card_id":"a","code":"1\"","code":"2"}`} {
		got := heldCode{CardID: "keep"}
		if got.DecodeDirect([]byte(raw)) || got.CardID != "keep" {
			t.Errorf("%s: direct path answered %+v", raw, got)
		}
	}
}

// Wherever the direct path answers, encoding/json accepts the same bytes
// and decodes the same held code.
func FuzzHeldCodeDecodeDirect(f *testing.F) {
	for _, s := range []string{`{"card_id":"6f1c1d5e-6a44-4c1e-9a53-2f0e4c1b7d11","code":"123"}`,
		`{"card_id":"a","code":"1","code":"2"}`, `{"card_id":"a\"","code":"1"}`, `{"card_id":"","code":""}`,
		`{"card_id":"a","code":"b","code":"c"}`, `{"card_id":"x","code":"y"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var got heldCode
		if !got.DecodeDirect(raw) {
			return
		}
		var want heldCode
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("direct path accepted %q, encoding/json: %v", raw, err)
		}
		if got != want {
			t.Fatalf("%q: direct %+v, encoding/json %+v", raw, got, want)
		}
	})
}

func BenchmarkHeldCodeDecode(b *testing.B) {
	raw, _ := json.Marshal(heldCode{CardID: "6f1c1d5e-6a44-4c1e-9a53-2f0e4c1b7d11", Code: "123"})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h heldCode
			if !h.DecodeDirect(raw) {
				b.Fatal("direct path refused")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h heldCode
			if err := json.Unmarshal(raw, &h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
