package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cardvault/cardvault/internal/ratelimit"
	"github.com/cardvault/cardvault/internal/vault"
)

// benchWriter is a ResponseWriter that keeps nothing but its header, so a
// benchmark measures the middleware, not a recorder.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

type benchAuth struct{}

func (benchAuth) Authenticate(context.Context, string) (vault.Principal, error) {
	return vault.Principal{Tenant: "t_bench", KeyID: "k_bench", Scopes: []vault.Scope{vault.ScopeCardsWrite}}, nil
}

// benchChain is the whole middleware chain around one Key route that
// decodes a small JSON body and answers a small JSON object, with both rate
// limiters on (and never refusing), at the given log level.
func benchChain(b *testing.B, level slog.Level) http.Handler {
	huge := ratelimit.New(ratelimit.Limit{Rate: 1e9, Burst: 1e9}, ratelimit.Options{})
	rt := Routes{Auth: benchAuth{}, Fail: func(w http.ResponseWriter, r *http.Request, err error) {
		WriteNativeError(w, r, http.StatusBadRequest, err.Error())
	}, Limits: KeyLimits{Every: huge, CardWrites: huge}}
	type in struct {
		Number string `json:"number"`
		Month  int    `json:"month"`
	}
	f := testFacade{prefix: "/b", routes: func(m *Mux) {
		m.Handle("POST /b/cards/{id}", rt.Key(vault.ScopeCardsWrite, func(w http.ResponseWriter, r *http.Request) error {
			v, err := Decode[in](r, true)
			if err != nil {
				return err
			}
			Encode(w, http.StatusCreated, map[string]any{"id": r.PathValue("id"), "month": v.Month})
			return nil
		}))
	}}
	log := slog.New(MaskPANs(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level})))
	return New(Config{Logger: log, Registry: prometheus.NewRegistry(), Facades: []Facade{f},
		AddrLimit: huge, ClientAddr: ratelimit.ClientAddr{}})
}

func benchServe(b *testing.B, level slog.Level) {
	h := benchChain(b, level)
	body := `{"number":"4111111111111111","month":12}`
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodPost, "http://vault/b/cards/01a23ced-d1b5-7cb3-a1ed-a15d3d4000de", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Api-Key", "key")
		r.RemoteAddr = "127.0.0.1:5555"
		h.ServeHTTP(&benchWriter{h: http.Header{}}, r)
	}
}

// BenchmarkChainLogError is what every authenticated request pays around
// its handler with the access log off (CARDVAULT_LOG_LEVEL=error).
func BenchmarkChainLogError(b *testing.B) { benchServe(b, slog.LevelError) }

// BenchmarkChainLogInfo is the same with one access log line per request.
func BenchmarkChainLogInfo(b *testing.B) { benchServe(b, slog.LevelInfo) }
