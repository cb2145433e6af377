package vaulttest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"
)

// Decode decodes a JSON body into a T or fails the test.
func Decode[T any](tb testing.TB, b []byte) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// WantStatus fails the test unless resp answered status; the message names
// the request and shows the body.
func WantStatus(tb testing.TB, resp *http.Response, body []byte, status int) {
	tb.Helper()
	if resp.StatusCode != status {
		tb.Fatalf("%s %s: %d %s, want %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, body, status)
	}
}

// BasicAuth is the HTTP Basic header a PCI Vault client sends: any user
// name, the API key as the password.
func BasicAuth(key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("my-account:"+key))
}
