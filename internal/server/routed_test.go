package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// routedServer serves one route registered with Handle and one with
// HandleFunc, and returns the server's metrics registry.
func routedServer(t *testing.T) (http.Handler, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	f := testFacade{prefix: "/t", routes: func(m *Mux) {
		m.Handle("GET /t/cards/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			Encode(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
		}))
		m.HandleFunc("POST /t/func", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
		})
	}}
	return New(Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Registry: reg, Facades: []Facade{f}}), reg
}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

// The mux matches a request once: a registered handler answers on the
// real writer with its path values, and the route is what the metrics
// count; what the mux itself answers (404, 405, a redirect) is routed's.
func TestRoutedMatchesOnce(t *testing.T) {
	h, reg := routedServer(t)
	if w := serve(h, "GET", "/t/cards/abc"); w.Code != 200 || !strings.Contains(w.Body.String(), `"id":"abc"`) {
		t.Fatalf("registered route: %d %s", w.Code, w.Body)
	}
	if w := serve(h, "POST", "/t/func"); w.Code != http.StatusAccepted {
		t.Fatalf("route registered with HandleFunc: %d %s", w.Code, w.Body)
	}
	if w := serve(h, "GET", "/t//cards/abc"); w.Code != http.StatusTemporaryRedirect || w.Header().Get("Location") != "/t/cards/abc" {
		t.Fatalf("unclean path: %d Location %q, want the mux's redirect", w.Code, w.Header().Get("Location"))
	}
	if w := serve(h, "PUT", "/t/cards/abc"); w.Code != 405 || !strings.Contains(w.Body.String(), `"oops"`) || w.Header().Get("Allow") == "" {
		t.Fatalf("wrong method: %d %s Allow %q", w.Code, w.Body, w.Header().Get("Allow"))
	}
	r := httptest.NewRequest("GET", "/t/cards/abc", nil)
	r.RequestURI = "*"
	r.URL.Path = "*"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusTemporaryRedirect {
		t.Fatalf(`request URI "*": %d %s, want what the mux's Handler answers (a redirect), not ServeHTTP's bare 400`, w.Code, w.Body)
	}
	for _, c := range []struct {
		route, method, status string
		want                  float64
	}{
		{"GET /t/cards/{id}", "GET", "200", 1},
		{"POST /t/func", "POST", "202", 1},
		{"GET /t/cards/{id}", "GET", "307", 1},
		{"unmatched", "GET", "307", 1},
		{"unmatched", "PUT", "405", 1},
	} {
		if got := requestsCounted(t, reg, c.route, c.method, c.status); got != c.want {
			t.Errorf("requests{%s %s %s} = %v, want %v", c.route, c.method, c.status, got, c.want)
		}
	}
}

// requestsCounted reads cardvault_http_requests_total for one label set.
func requestsCounted(t *testing.T, reg *prometheus.Registry, route, method, status string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "cardvault_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["route"] == route && labels["method"] == method && labels["status"] == status {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
