package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
)

// keysSandbox authenticates the one key it knows.
type keysSandbox struct {
	key string
	p   vault.Principal
}

func (k keysSandbox) Authenticate(_ context.Context, secret string) (vault.Principal, error) {
	if secret == "" || secret != k.key {
		return vault.Principal{}, &vault.Error{Code: vault.CodeUnauthorized, Public: "missing or invalid API key"}
	}
	return k.p, nil
}

func TestRoutesKeyAuthenticatesAndWritesErrorsOnce(t *testing.T) {
	t.Parallel()
	var failed []error
	rt := Routes{
		Auth: keysSandbox{key: "good", p: vault.Principal{Tenant: "acme", KeyID: "k1",
			Scopes: []vault.Scope{vault.ScopeCardsRead}}},
		Fail: func(w http.ResponseWriter, r *http.Request, err error) {
			failed = append(failed, err)
			w.WriteHeader(Status(vault.CodeOf(err)))
		},
		Challenge: "Bearer",
	}
	var seen vault.Principal
	ran := 0
	h := func(w http.ResponseWriter, r *http.Request) error {
		ran++
		seen = Principal(r)
		if r.URL.Query().Has("fail") {
			return vault.Invalid("x", "bad x")
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	serve := func(handler http.Handler, key, query string) *httptest.ResponseRecorder {
		failed = nil
		req := httptest.NewRequest("GET", "/x"+query, nil)
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}

	if rec := serve(rt.Key(vault.ScopeCardsRead, h), "", ""); rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="cardvault"` || ran != 0 {
		t.Errorf("no key: %d %q, handler ran %d times", rec.Code, rec.Header().Get("WWW-Authenticate"), ran)
	}
	if rec := serve(rt.Key(vault.ScopeCardsReveal, h), "good", ""); rec.Code != 403 || ran != 0 || len(failed) != 1 {
		t.Errorf("missing scope: %d, handler ran %d times, %d failures", rec.Code, ran, len(failed))
	}
	if rec := serve(rt.Key(vault.ScopeCardsRead, h), "good", ""); rec.Code != 204 || len(failed) != 0 || seen.KeyID != "k1" {
		t.Errorf("good key: %d, failures %v, principal %+v", rec.Code, failed, seen)
	}
	if rec := serve(rt.Key(vault.ScopeCardsRead, h), "good", "?fail"); rec.Code != 400 || len(failed) != 1 || vault.CodeOf(failed[0]) != vault.CodeInvalid {
		t.Errorf("handler error: %d, failures %v", rec.Code, failed)
	}
	ran = 0
	if rec := serve(rt.Serve(h), "", ""); rec.Code != 204 || ran != 1 || seen.KeyID != "" {
		t.Errorf("public route: %d, ran %d, principal %+v", rec.Code, ran, seen)
	}
}

func TestRoutesCredentialAndChallengeAreTheFacades(t *testing.T) {
	t.Parallel()
	rt := Routes{Auth: keysSandbox{key: "good"},
		Fail:       func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(Status(vault.CodeOf(err))) },
		Credential: func(r *http.Request) string { return r.Header.Get("X-Admin-Token") }}
	ok := rt.Key("", func(w http.ResponseWriter, r *http.Request) error { return nil })
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Api-Key", "good") // not this facade's header
	rec := httptest.NewRecorder()
	ok.ServeHTTP(rec, req)
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("another facade's header: %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	req.Header.Set("X-Admin-Token", "good")
	rec = httptest.NewRecorder()
	ok.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("the facade's header: %d", rec.Code)
	}
}

// A handler error whose message echoes a card number is written masked.
func TestRoutesNeverEchoACardNumber(t *testing.T) {
	var written error
	rt := Routes{Fail: func(w http.ResponseWriter, r *http.Request, err error) { written = err }}
	h := rt.Serve(func(w http.ResponseWriter, r *http.Request) error {
		return &vault.Error{Code: vault.CodeInvalid, Public: `unknown source type "4111111111111111"`, Field: "source.type"}
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	var ve *vault.Error
	if !errors.As(written, &ve) || ve.Code != vault.CodeInvalid || strings.Contains(ve.Public, "4111111111111111") ||
		!strings.Contains(ve.Public, "unknown source type") {
		t.Fatalf("written %v", written)
	}
}
