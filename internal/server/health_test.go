package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// /healthz writes its answer from a constant: it must stay what Encode
// writes for {"status":"ok"}, header fields included.
func TestHealthIsWhatEncodeWrites(t *testing.T) {
	want := httptest.NewRecorder()
	Encode(want, http.StatusOK, map[string]string{"status": "ok"})
	got := httptest.NewRecorder()
	handleHealth().ServeHTTP(got, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if got.Code != want.Code || got.Body.String() != want.Body.String() {
		t.Fatalf("/healthz = %d %q, Encode writes %d %q", got.Code, got.Body, want.Code, want.Body)
	}
	for k := range want.Header() {
		if got.Header().Get(k) != want.Header().Get(k) {
			t.Errorf("%s: %q, Encode sets %q", k, got.Header().Get(k), want.Header().Get(k))
		}
	}
	if len(got.Header()) != len(want.Header()) {
		t.Errorf("header %v, Encode sets %v", got.Header(), want.Header())
	}
}
