package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cardvault/cardvault/internal/ratelimit"
)

// DefaultMaxBody is the request body limit when Config.MaxBody is zero.
const DefaultMaxBody = 1 << 20

// Facade is one API dialect mounted on the server.
type Facade interface {
	// Routes registers the facade's handlers on mux.
	Routes(mux *Mux)
	// Owns reports whether a path belongs to the facade, so that unknown
	// routes under it get the facade's own error shape.
	Owns(path string) bool
	// WriteError writes an error in the facade's shape with the given status.
	WriteError(w http.ResponseWriter, r *http.Request, status int, message string)
}

// ReadyChecker says whether the vault can serve: store reachable, keys loaded.
type ReadyChecker interface {
	Ready(ctx context.Context) error
}

// Config holds what New needs. Logger and Registry must not be nil.
type Config struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Ready    ReadyChecker
	// MaxBody caps every request body; zero means DefaultMaxBody.
	MaxBody int64
	// Facades are mounted in order; the first that Owns a path writes its
	// routing errors. Paths no facade owns get the native error shape.
	Facades []Facade
	// AddrLimit limits every request per client address (ClientAddr says
	// which), before authentication; nil limits nothing.
	AddrLimit  Limiter
	ClientAddr ratelimit.ClientAddr
}

// Mux is the router facades register on; it remembers every pattern.
type Mux struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern, as http.ServeMux.Handle does.
func (m *Mux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, matched(pattern, h))
}

// HandleFunc registers f for pattern, as Handle does.
func (m *Mux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}

// matched is h as registered for pattern: reached through routed, it
// records the pattern for the access log and the metrics, and serves the
// request on the real writer, not routed's probe.
func matched(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := w.(*routeProbe); ok {
			p.matched = true
			setRoute(r.Context(), pattern)
			w = p.w
		}
		h.ServeHTTP(w, r)
	})
}

// Server is the vault's HTTP handler.
type Server struct {
	http.Handler
	mux      *Mux
	draining *atomic.Bool
}

// Drain makes /readyz answer 503 from now on, so that load balancers stop
// sending new requests before the process stops listening. Requests keep
// being served meanwhile, each answer closing its connection.
func (s *Server) Drain() { s.draining.Store(true) }

// Patterns lists every registered route pattern, in registration order.
func (s *Server) Patterns() []string { return append([]string(nil), s.mux.patterns...) }

// New returns the vault's HTTP handler with every facade and the probes
// mounted behind the shared middleware.
func New(c Config) *Server {
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	mux := &Mux{ServeMux: http.NewServeMux()}
	draining := new(atomic.Bool)
	mux.Handle("GET /healthz", handleHealth())
	mux.Handle("GET /readyz", handleReady(c.Ready, c.Logger, draining))
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.Registry, promhttp.HandlerOpts{}))
	for _, f := range c.Facades {
		f.Routes(mux)
	}
	m := newMetrics(c.Registry)
	var h http.Handler = routed(mux.ServeMux, c.Facades)
	h = limitBody(h, c.MaxBody, c.Facades)
	h = recoverPanics(h, c.Logger, c.Facades)
	h = LimitByAddr(c.AddrLimit, c.ClientAddr, RefuseInShape(c.Facades), h)
	h = accessLog(h, c.Logger, m, mux.ServeMux)
	return &Server{Handler: closeWhileDraining(h, draining), mux: mux, draining: draining}
}

// closeWhileDraining asks clients to close their connection after each
// response once Drain was called, so that keep-alive connections leave the
// node before it stops listening, each at a request boundary.
func closeWhileDraining(next http.Handler, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// routed serves through mux, but answers unknown routes (404) and wrong
// methods (405) with a JSON body in the shape of the facade owning the path.
// The mux matches each request once: it serves on a probe, which a
// registered handler trades for the real writer (matched), and which
// otherwise captures what the mux's own 404, 405 or redirect handler wrote.
func routed(mux *http.ServeMux, facades []Facade) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := &routeProbe{w: w}
		if r.RequestURI == "*" {
			// ServeMux answers "*" itself with a bare 400; such a request
			// has always had the routing error of an unknown path.
			h, _ := mux.Handler(r)
			h.ServeHTTP(probe, r)
		} else {
			mux.ServeHTTP(probe, r)
		}
		if probe.matched {
			return
		}
		status := probe.status
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			setRoute(r.Context(), "")
		} else {
			// A redirect is rare: it keeps the pattern the mux names for it
			// (the route the cleaned path matches), as it always had.
			_, pattern := mux.Handler(r)
			setRoute(r.Context(), pattern)
		}
		msg := "no such route"
		if status == http.StatusMethodNotAllowed {
			if allow := probe.Header().Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			msg = "method " + r.Method + " is not allowed on this route"
		} else if status != http.StatusNotFound {
			// A redirect the mux made to clean a path: pass it on as it is.
			for k, v := range probe.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			return
		}
		writerFor(facades, r.URL.Path)(w, r, status, msg)
	})
}

// writerFor picks the error writer of the facade that owns path.
func writerFor(facades []Facade, path string) func(http.ResponseWriter, *http.Request, int, string) {
	for _, f := range facades {
		if f.Owns(path) {
			return f.WriteError
		}
	}
	return WriteNativeError
}

// routeProbe is the writer routed serves the mux on: a registered handler
// takes w from it (matched); the mux's own 404, 405 and redirect handlers
// write into it, and routed then answers in the owning facade's shape.
type routeProbe struct {
	w       http.ResponseWriter
	matched bool
	header  http.Header
	status  int
}

func (s *routeProbe) Header() http.Header {
	if s.header == nil {
		s.header = http.Header{}
	}
	return s.header
}
func (s *routeProbe) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *routeProbe) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

// HasPrefix reports whether path is prefix itself or lies below it.
func HasPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, strings.TrimSuffix(prefix, "/")+"/")
}
