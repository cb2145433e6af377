package vault

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	for _, sealed := range [][]byte{nil, {}, {0}, {1, 2}, bytes.Repeat([]byte{0xfb, 0xff}, 700)} {
		for _, schema := range []int{0, 1, 7, 123456789} {
			data, err := json.Marshal(envelope{Schema: schema, Sealed: sealed})
			if err != nil {
				t.Fatal(err)
			}
			env, err := parseEnvelope(data)
			if err != nil || env.Schema != schema || !bytes.Equal(env.Sealed, sealed) {
				t.Fatalf("%s: %+v, %v", data, env, err)
			}
			if _, ok := parseEnvelopeDirect(data); !ok && len(sealed) > 0 {
				t.Errorf("%s took the slow path", data)
			}
		}
	}
	for _, bad := range []string{``, `{`, `{"v":1,"sealed":"AA=A"}`, `{"v":1,"sealed":"A"}`, `{"v":1,"sealed":1}`} {
		if _, err := parseEnvelope([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Every record's Data is written by appendEnvelope: byte for byte what
// encoding/json wrote before it, so stores written by either read alike.
func TestAppendEnvelopeIsJSONMarshal(t *testing.T) {
	for _, schema := range []int{0, 1, 7, 123456789, -3} {
		for _, sealed := range [][]byte{nil, {}, {0}, {1, 2}, {0xfb, 0xff, 0xfe}, bytes.Repeat([]byte{0xfb, 0xff}, 700)} {
			want, err := json.Marshal(envelope{Schema: schema, Sealed: sealed})
			if err != nil {
				t.Fatal(err)
			}
			if got := appendEnvelope(nil, schema, sealed); !bytes.Equal(got, want) {
				t.Errorf("appendEnvelope(%d, %x) = %s, json.Marshal %s", schema, sealed, got, want)
			}
		}
	}
}

// appendEnvelope agrees with encoding/json on any sealed bytes.
func FuzzAppendEnvelope(f *testing.F) {
	f.Add(1, []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, schema int, sealed []byte) {
		want, err := json.Marshal(envelope{Schema: schema, Sealed: sealed})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendEnvelope(nil, schema, sealed); !bytes.Equal(got, want) {
			t.Fatalf("appendEnvelope = %s, json.Marshal %s", got, want)
		}
	})
}

// Wherever the direct path answers, encoding/json accepts the same bytes
// and decodes the same envelope.
func FuzzParseEnvelope(f *testing.F) {
	for _, s := range []string{`{"v":1,"sealed":"AQI="}`, `{"v":01,"sealed":"AQI="}`, `{"v":1,"sealed":"AQI"}`,
		`{"v":1,"sealed":"AQ\u0049="}`, `{"v":1,"sealed":""}`, `{"v":1, "sealed":"AQI="}`, `{"v":1,"sealed":"A+/="}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, ok := parseEnvelopeDirect(data)
		if !ok {
			return
		}
		var want envelope
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("direct parse accepted %q, encoding/json: %v", data, err)
		}
		if env.Schema != want.Schema || !bytes.Equal(env.Sealed, want.Sealed) {
			t.Fatalf("%q: direct %+v, encoding/json %+v", data, env, want)
		}
	})
}

func BenchmarkParseEnvelope(b *testing.B) {
	data, _ := json.Marshal(envelope{Schema: 1, Sealed: bytes.Repeat([]byte{7}, 3000)})
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseEnvelope(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var env envelope
			if err := json.Unmarshal(data, &env); err != nil {
				b.Fatal(err)
			}
		}
	})
}
