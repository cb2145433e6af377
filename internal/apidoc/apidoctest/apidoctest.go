// Package apidoctest lets a facade test check that what it sends and what
// the vault answers match the facade's OpenAPI document, so that code and
// document cannot drift apart: wrap the test's HTTP client with
// Validator.Client, or call Validator.Check on each exchange.
package apidoctest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/cardvault/cardvault/internal/server"
)

// Validator checks exchanges against one document.
type Validator struct {
	name   string
	doc    *openapi3.T
	router routers.Router

	mu      sync.Mutex
	checked map[string]int
}

// New loads the named document (see apidoc.Names) or fails the test.
func New(tb testing.TB, name string) *Validator {
	tb.Helper()
	l, err := load(name)
	if err != nil {
		tb.Fatalf("apidoctest: %s: %v", name, err)
	}
	return &Validator{name: name, doc: l.doc, router: l.router, checked: map[string]int{}}
}

// options checks bodies, parameters and headers but not credentials (the
// vault's own tests cover authentication) and reports every problem.
var options = &openapi3filter.Options{
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	MultiError:            true,
	IncludeResponseStatus: true,
}

// Check fails the test when the request (with its body) is not an
// operation of the document or does not match it, or when the response
// (with its body) does not match what the document says that operation
// answers. Requests the vault is expected to refuse may still be checked:
// a document lists its error responses too.
func (v *Validator) Check(tb testing.TB, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	tb.Helper()
	if err := v.check(req, reqBody, resp, respBody); err != nil {
		// The validator quotes bodies: never let a card number reach the test log.
		tb.Errorf("%s %s does not match the %s document: %s", req.Method, req.URL.Path, v.name, server.RedactDigits(err.Error()))
	}
}

// check is Check returning the mismatch.
func (v *Validator) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	// The documents' servers are relative ("/", "/cardvault/v1"): match on
	// the path alone.
	r := req.Clone(context.Background())
	r.URL = &url.URL{Path: req.URL.Path, RawQuery: req.URL.RawQuery}
	r.Host = ""
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: options}
	// A request the vault refuses (4xx) may well break the document on
	// purpose; only an accepted one must match it.
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return err
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(respBody)), Options: options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return err
	}
	v.mu.Lock()
	v.checked[strings.ToUpper(req.Method)+" "+route.Path]++
	v.mu.Unlock()
	return nil
}

// Client returns an HTTP client that checks every exchange it carries
// (over base, or http.DefaultTransport when nil) and fails tb on a mismatch.
func (v *Validator) Client(tb testing.TB, base http.RoundTripper) *http.Client {
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{Transport: &checking{v: v, tb: tb, base: base}}
}

// Checked returns how many exchanges matched each "METHOD path" of the
// document so far, for a test that wants every operation exercised.
func (v *Validator) Checked() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.checked))
	for k, n := range v.checked {
		out[k] = n
	}
	return out
}

// checking is the RoundTripper of Client.
type checking struct {
	v    *Validator
	tb   testing.TB
	base http.RoundTripper
}

func (c *checking) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	c.v.Check(c.tb, req, reqBody, resp, respBody)
	return resp, nil
}
