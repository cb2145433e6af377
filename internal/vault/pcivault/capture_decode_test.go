package pcivault

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// captureSamples are endpoint records as newCapture, merges and capture
// counts write them: locked down or not, with and without counts, empty
// and nil byte strings, and values encoding/json escapes.
func captureSamples() []pvCaptureData {
	hpke := bytes.Repeat([]byte{0xfb, 0x01, 0x7e}, 380) // about the size of an HPKE-sealed data key
	return []pvCaptureData{
		{User: "u", UserID: "0190aaaa-0000-7000-8000-000000000001", Info: []byte("t/capture_endpoint/x/y"), SealedToUser: hpke,
			WrappedBySecret: []byte{1, 2, 3}, SecretHash: bytes.Repeat([]byte{7}, 32)},
		{User: "ünïcode", UserID: "id", Info: nil, SealedToUser: []byte{}, WrappedBySecret: hpke[:60], SecretHash: []byte{0},
			Lockdown: &pvLockdown{Token: "ab12", Reference: "ref"}, Refused: 2, Captures: 123456},
		{User: "u", Lockdown: &pvLockdown{}, Captures: -1},
		{User: "a<b>&c", Lockdown: &pvLockdown{Reference: `quote " and \ backslash`}}, // escaped by encoding/json: decoded by it
	}
}

// Records as Marshal writes them are decoded directly (else the fast path
// would silently never run), to what encoding/json decodes.
func TestCaptureDecodeDirect(t *testing.T) {
	for i, c := range captureSamples() {
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var want pvCaptureData
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		var got pvCaptureData
		ok := got.DecodeDirect(raw)
		escaped := bytes.IndexByte(raw, '\\') >= 0
		if ok == escaped {
			t.Errorf("sample %d: direct %v for %s", i, ok, raw)
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Errorf("sample %d: direct %+v, encoding/json %+v", i, got, want)
		}
		if !ok && !reflect.DeepEqual(got, pvCaptureData{}) {
			t.Errorf("sample %d: a refused decode changed the value: %+v", i, got)
		}
	}
}

// FuzzCaptureDecodeDirect: wherever the direct decoder answers,
// encoding/json accepts the same bytes and decodes the same value.
func FuzzCaptureDecodeDirect(f *testing.F) {
	for _, c := range captureSamples() {
		raw, _ := json.Marshal(c)
		f.Add(raw)
	}
	for _, s := range []string{
		`{"user":"u","user_id":"","info":null,"sealed_to_user":null,"wrapped_by_secret":null,"secret_hash":"AQ"}`,
		`{"user":"u","user_id":"","info":null,"sealed_to_user":null,"wrapped_by_secret":null,"secret_hash":null,"captures":0}`,
		`{"user":"u","user_id":"","info":null,"sealed_to_user":null,"wrapped_by_secret":null,"secret_hash":null,"lockdown":null}`,
		`{"user":"u","user_id":"","info":null,"sealed_to_user":null,"wrapped_by_secret":null,"secret_hash":null,"refused":01}`,
		`{"user":"\xff","user_id":"","info":null,"sealed_to_user":null,"wrapped_by_secret":null,"secret_hash":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got pvCaptureData
		if !got.DecodeDirect(data) {
			return
		}
		var want pvCaptureData
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("direct decode accepted %q, encoding/json: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: direct %+v, encoding/json %+v", data, got, want)
		}
	})
}
