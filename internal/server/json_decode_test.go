package server

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
)

// decodeProbe is a request body type with the field kinds facades use.
type decodeProbe struct {
	Source json.RawMessage   `json:"source"`
	N      int               `json:"n"`
	S      string            `json:"s"`
	M      map[string]string `json:"m"`
	P      *struct {
		X []int `json:"x"`
	} `json:"p"`
}

// Decode (not strict) answers every body as DecodeBytes does: the same
// value, or the same error. Its in-place json.Unmarshal is only a shortcut.
func FuzzDecodeMatchesDecodeBytes(f *testing.F) {
	for _, s := range []string{`{"source":{"type":"pan"},"n":1}`, `{}`, ``, ` `, `null`, `[]`, `{} {}`, `{}]`, `{}x`, `{"n":"1"}`,
		`{"n":1.5,"s":"a"}`, `{"m":{"a":"b"},"p":{"x":[1,2]}}`, `{"p":{"x":[1,"a"]},"s":"b"}`, `{"s":"\ud800"}`, `{"S":"a","s":"b"}`, "{\"s\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		got, gotErr := Decode[decodeProbe](r, false)
		var want decodeProbe
		wantErr := DecodeBytes(body, &want, false)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("%q: Decode error %v, DecodeBytes %v", body, gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Decode %+v, DecodeBytes %+v", body, got, want)
		}
	})
}
