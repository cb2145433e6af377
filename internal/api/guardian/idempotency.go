package guardian

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// idempotencyHeader carries the client's idempotency key.
const idempotencyHeader = "X-Idempotency-Key"

// idempotent makes a POST replayable under x-idempotency-key: the same key
// with the same request (method, path, destination, body) answers the first
// response again without doing the work; the same key with another request
// is a 422. Keys live in the store for 24 h, per tenant. A 5xx is not kept,
// so the client can retry. keep, when not nil, filters the response before
// it is stored, so that a secret shown once (a key's value, a session id)
// is never stored for replay.
//
// The response kept is the one the client gets, errors included: next's
// error is written into it in Guardian's shape.
func (a *API) idempotent(keep func(vault.IdempotentResponse) vault.IdempotentResponse, next server.HandlerFunc) server.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get(idempotencyHeader)
		if key == "" {
			return next(w, r)
		}
		if err := vault.ValidIdempotencyKey(key); err != nil {
			return err
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return tooLarge(err)
		}
		claim, err := a.vault.ClaimIdempotencyKey(r.Context(), server.Principal(r).Tenant, key, requestHash(r, body), a.wait)
		if err != nil {
			return err
		}
		if claim.Replay != nil {
			writeStored(w, *claim.Replay)
			return nil
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{header: http.Header{}}
		if err := next(rec, r); err != nil {
			a.fail(rec, r, err)
		}
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
				stored = keep(resp)
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
		return nil
	}
}

// requestHash identifies a request for replay: method, path, the headers
// that steer a forward (destination, own header, the content type its body
// is escaped for) and body.
func requestHash(r *http.Request, body []byte) []byte {
	h := sha256.New()
	parts := []string{r.Method, r.URL.Path}
	for _, name := range hashedHeaders {
		vs := r.Header.Values(name)
		parts = append(append(parts, strconv.Itoa(len(vs))), vs...)
	}
	for _, part := range append(parts, string(body)) {
		// Length-prefixed, so that no two requests hash the same parts.
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
		h.Write([]byte(part))
	}
	return h.Sum(nil)
}

// hashedHeaders are the request headers that make a request another one:
// a forward's control headers and the content type its body is escaped for.
var hashedHeaders = []string{destinationHeader, ownNameHeader, ownValueHeader, "Content-Type"}

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
var withoutKeyValue = without("key_value")

// withoutInlineCryptogram drops the DPAN, the cryptogram and the dynamic
// CVV from a stored inline cryptogram answer: they are card data, shown
// once and never kept for replay (a retry gets the rest of the answer and
// mints a new cryptogram with a new idempotency key).
var withoutInlineCryptogram = without("number", "cryptogram", "dynamic_cvv")

// without returns a filter that drops the named top-level fields from a
// stored JSON object response; other bodies are kept as they are.
func without(fields ...string) func(vault.IdempotentResponse) vault.IdempotentResponse {
	return func(resp vault.IdempotentResponse) vault.IdempotentResponse {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(resp.Body, &m); err != nil {
			return resp
		}
		n := len(m)
		for _, f := range fields {
			delete(m, f)
		}
		if len(m) == n {
			return resp
		}
		out, err := json.Marshal(m)
		if err != nil {
			return resp
		}
		resp.Body = append(out, '\n')
		return resp
	}
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
