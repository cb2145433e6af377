package pcivault

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// entrySamples are entries as StoreEntry and capture merges write them:
// one or several keys and layers, endpoint keys, layers with and without
// a writer, empty and nil byte strings, and values encoding/json escapes.
func entrySamples() []pvEntryData {
	at := time.Date(2026, 12, 3, 17, 4, 5, 123456789, time.UTC)
	hpke := bytes.Repeat([]byte{0xfb, 0x01, 0x7e}, 380) // about the size of an HPKE-sealed data key
	return []pvEntryData{
		{User: "u", UserID: "0190aaaa-0000-7000-8000-000000000001", Token: "ab12", Reference: "r", Numbered: true, Size: 42,
			Keys: []pvEntryKey{{Info: []byte("info"), Sealed: hpke}}, Layers: []pvLayer{{Key: 0, Sealed: []byte{1, 2, 3}, At: at}}},
		{User: "ünïcode", Token: "t", Size: 0, Keys: []pvEntryKey{{Info: []byte("a"), Sealed: hpke}, {Endpoint: true, Info: nil, Sealed: []byte{}}},
			Layers: []pvLayer{{Key: 0, Sealed: []byte{9}, At: at}, {Key: 1, Sealed: nil, By: "endpoint/x", At: at.In(time.FixedZone("", -3600))}}},
		{User: "a<b>&c", Reference: `quote " and \ backslash`}, // escaped by encoding/json: decoded by it
		{Keys: []pvEntryKey{}, Layers: []pvLayer{}, Size: -7},
	}
}

// Entries as Marshal writes them are decoded directly (else the fast path
// would silently never run), to what encoding/json decodes.
func TestEntryDecodeDirect(t *testing.T) {
	for i, e := range entrySamples() {
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var want pvEntryData
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		var got pvEntryData
		ok := got.DecodeDirect(raw)
		escaped := bytes.IndexByte(raw, '\\') >= 0
		if ok == escaped {
			t.Errorf("sample %d: direct %v for %s", i, ok, raw)
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Errorf("sample %d: direct %+v, encoding/json %+v", i, got, want)
		}
		if !ok && !reflect.DeepEqual(got, pvEntryData{}) {
			t.Errorf("sample %d: a refused decode changed the value: %+v", i, got)
		}
	}
}

// FuzzEntryDecodeDirect: wherever the direct decoder answers, encoding/json
// accepts the same bytes and decodes the same value.
func FuzzEntryDecodeDirect(f *testing.F) {
	for _, e := range entrySamples() {
		raw, _ := json.Marshal(e)
		f.Add(raw)
	}
	for _, s := range []string{
		`{"user":"u","user_id":"","token":"","reference":"","numbered":false,"size":01,"keys":null,"layers":null}`,
		`{"user":"u","user_id":"","token":"","reference":"","numbered":false,"size":1,"keys":[{"info":"AQ","sealed":null}],"layers":null}`,
		`{"user":"u","user_id":"","token":"","reference":"","numbered":false,"size":1,"keys":null,"layers":[{"key":0,"sealed":"","at":"2026-13-01T00:00:00Z"}]}`,
		`{"user":"u","user_id":"","token":"","reference":"","numbered":false,"size":1,"keys":null,"layers":[{"key":0,"sealed":"","by":"","at":"2026-01-01T00:00:00Z"}]}`,
		`{"user":"\xff","user_id":"","token":"","reference":"","numbered":false,"size":1,"keys":null,"layers":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got pvEntryData
		if !got.DecodeDirect(data) {
			return
		}
		var want pvEntryData
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("direct decode accepted %q, encoding/json: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: direct %+v, encoding/json %+v", data, got, want)
		}
	})
}

func BenchmarkEntryDecode(b *testing.B) {
	raw, _ := json.Marshal(entrySamples()[0])
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			var e pvEntryData
			if !e.DecodeDirect(raw) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var e pvEntryData
			if err := json.Unmarshal(raw, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
