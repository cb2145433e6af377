package guardian

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// idempotencyHeader carries the client's idempotency key.
const idempotencyHeader = "X-Idempotency-Key"

// idempotent makes a POST replayable under x-idempotency-key: the same key
// with the same request (method, path, destination, body) answers the first
// response again without doing the work; the same key with another request
// is a 422. Keys live in the store for 24 h, per tenant. A 5xx is not kept,
// so the client can retry. keep, when not nil, filters the body before it
// is stored (to drop a secret that must be shown only once).
func (a *API) idempotent(keep func([]byte) []byte, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idempotencyHeader)
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if err := vault.ValidIdempotencyKey(key); err != nil {
			a.fail(w, r, err)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			a.fail(w, r, tooLarge(err))
			return
		}
		claim, err := a.vault.ClaimIdempotencyKey(r.Context(), principal(r).Tenant, key, requestHash(r, body), a.wait)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if claim.Replay != nil {
			writeStored(w, *claim.Replay)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		resp := vault.IdempotentResponse{Status: rec.status, ContentType: rec.header.Get("Content-Type"), Body: rec.body.Bytes()}
		if rec.status >= 500 {
			if err := a.vault.ReleaseIdempotencyKey(r.Context(), claim); err != nil {
				a.log.WarnContext(r.Context(), "release idempotency key", "err", err)
			}
		} else {
			stored := resp
			if keep != nil {
				stored.Body = keep(resp.Body)
			}
			if err := a.vault.FinishIdempotencyKey(r.Context(), claim, stored); err != nil {
				a.log.ErrorContext(r.Context(), "store idempotent response", "request_id", server.RequestIDFrom(r.Context()), "err", err)
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(resp.Body)
	})
}

// requestHash identifies a request for replay: method, path, forward
// destination and body.
func requestHash(r *http.Request, body []byte) []byte {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.Path, r.Header.Get("X-Destination-Url")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	return h.Sum(nil)
}

// writeStored replays a stored response.
func writeStored(w http.ResponseWriter, resp vault.IdempotentResponse) {
	if resp.ContentType != "" {
		w.Header().Set("Content-Type", resp.ContentType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// withoutKeyValue drops key_value from a stored API key response: the
// secret is shown once, not again to a retry.
func withoutKeyValue(body []byte) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return body
	}
	if _, ok := m["key_value"]; !ok {
		return body
	}
	delete(m, "key_value")
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return append(out, '\n')
}

// tooLarge turns a body read failure into the vault's error.
func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &vault.Error{Code: vault.CodeTooLarge, Public: "request body is too large"}
	}
	return badRequest("body", "could not read the request body")
}

// recorder keeps a handler's response so it can be stored before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
