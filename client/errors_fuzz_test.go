package client

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzAPIError decodes any answer body into an *Error: never a panic, always
// a code, and the status kept.
func FuzzAPIError(f *testing.F) {
	f.Add(500, []byte(`{"error":{"code":"internal","message":"internal error","request_id":"req_1"}}`))
	f.Add(404, []byte(`{"error":{"code":"not_found","message":"no such card","field":"id"}}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(400, []byte(`{"error":"pcivault shape"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		resp := &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"X-Request-Id": {"req_hdr"}}}
		e := apiError(resp, body)
		if e.Code == "" || e.Status != status || !strings.HasPrefix(e.Error(), "cardvault: ") {
			t.Fatalf("apiError(%d, %q) = %#v", status, body, e)
		}
	})
}
