package apidoctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/cardvault/cardvault/internal/apidoc"
)

// loaded is one document parsed and routed, shared by every test of the
// binary: documents are read-only once loaded, and loading the vendor ones
// costs a noticeable fraction of a second.
type loaded struct {
	doc    *openapi3.T
	router routers.Router
}

// cache holds each document once per test binary.
var cache = struct {
	sync.Mutex
	m map[string]func() (loaded, error)
}{m: map[string]func() (loaded, error){}}

// load returns the named document and its router, loading it at most once.
func load(name string) (loaded, error) {
	cache.Lock()
	f, ok := cache.m[name]
	if !ok {
		f = sync.OnceValues(func() (loaded, error) {
			doc, err := apidoc.Load(context.Background(), name)
			if err != nil {
				return loaded{}, err
			}
			router, err := legacy.NewRouter(doc)
			if err != nil {
				return loaded{}, err
			}
			return loaded{doc: doc, router: router}, nil
		})
		cache.m[name] = f
	}
	cache.Unlock()
	return f()
}

// maxChecked caps the request and response bodies the handler keeps a copy
// of; a larger request is passed on unchecked, a larger response is only
// checked for its status and headers' operation.
const maxChecked = 8 << 20

// Handler returns h with every exchange on an operation of one of the
// vault's documents (apidoc.Names) checked against that document, failing
// tb on a mismatch. It is how a facade test validates all its traffic
// without asking: vaulttest mounts every test vault behind it, so a route
// added to a facade and its document is checked by every test that calls
// it, whoever wrote the test.
//
// The rule for requests a test sends broken on purpose: the request is
// checked only when the vault accepted it (a status below 400) — a vault
// that accepts what its document forbids has drifted from it — while every
// response, refusals included, must be one the operation documents, in the
// documented shape. Requests on no documented operation (probes, metrics,
// the documents themselves, the console, unknown paths) pass unchecked; the
// routes<->document test in internal/apidoc covers what is served.
func Handler(tb testing.TB, h http.Handler) http.Handler {
	var vs []*Validator
	for _, name := range apidoc.Names() {
		vs = append(vs, New(tb, name))
	}
	return HandlerOf(tb, h, vs...)
}

// HandlerOf is Handler checking against the given validators only.
func HandlerOf(tb testing.TB, h http.Handler, vs ...*Validator) http.Handler {
	if f, ok := tb.(*testing.F); ok {
		// A fuzz target's exchanges cannot fail the *testing.F while it
		// runs (only its *testing.T may): keep the mismatches and report
		// them when the fuzz test ends.
		tb = deferred(f)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := find(vs, r)
		if v == nil {
			h.ServeHTTP(w, r)
			return
		}
		var reqBody []byte
		if r.Body != nil {
			var err error
			reqBody, err = io.ReadAll(io.LimitReader(r.Body, maxChecked+1))
			if err != nil {
				http.Error(w, "apidoctest: reading the request: "+err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = readCloser{io.MultiReader(bytes.NewReader(reqBody), r.Body), r.Body}
		}
		tee := &teeWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(tee, r)
		if len(reqBody) > maxChecked || tee.body.Len() > maxChecked {
			return
		}
		resp := &http.Response{StatusCode: tee.status, Header: w.Header().Clone(), Request: r}
		v.Check(tb, r, reqBody, resp, tee.body.Bytes())
	})
}

// find returns the validator whose document has an operation for r's path,
// or nil.
func find(vs []*Validator, r *http.Request) *Validator {
	probe := &http.Request{Method: r.Method, URL: &url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}, Header: http.Header{}}
	for _, v := range vs {
		if _, _, err := v.router.FindRoute(probe); err == nil {
			return v
		} else if errors.Is(err, routers.ErrMethodNotAllowed) {
			// The path is documented but not for this method: the
			// server's 405, not an operation.
			return nil
		}
	}
	return nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// teeWriter keeps a copy of what the handler writes.
type teeWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (t *teeWriter) WriteHeader(status int) {
	if !t.wrote {
		t.status, t.wrote = status, true
	}
	t.ResponseWriter.WriteHeader(status)
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.wrote = true
	if t.body.Len() <= maxChecked {
		t.body.Write(p)
	}
	return t.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer (flushes,
// deadlines, hijacking).
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Flush passes a flush on.
func (t *teeWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// later is a testing.TB whose failures are kept and reported, by the TB it
// wraps, at that TB's cleanup.
type later struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

// deferred returns a TB for f that reports its failures at f's cleanup.
func deferred(f *testing.F) *later {
	l := &later{TB: f}
	f.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, m := range l.msgs {
			f.Error(m)
		}
	})
	return l
}

func (l *later) Helper() {}

func (l *later) Errorf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprintf(format, args...))
}
