package gr4vy

import (
	"errors"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
)

// writeUpstream answers 200 with the upstream's body and content-type as
// they came, its status in x-vault-forward-http-status-code and every
// other header of its response as x-vault-forward-header-{name}.
func writeUpstream(w http.ResponseWriter, resp *forward.Response) {
	h := w.Header()
	h["Content-Type"] = nil // no sniffing when the upstream named no type
	for name, vs := range resp.Header {
		name = textproto.CanonicalMIMEHeaderKey(name)
		if name == "Content-Type" {
			h[name] = append([]string(nil), vs...)
			continue
		}
		h[hdrHeaderPrefix+name] = append([]string(nil), vs...)
	}
	h.Set(hdrStatusCode, strconv.Itoa(resp.Status))
	noStore(h)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp.Body)
}

// writeNoResponse answers 200 with an empty body and the reason in
// x-vault-forward-error: no response came from the upstream.
func writeNoResponse(w http.ResponseWriter, e *forward.UpstreamError) {
	h := w.Header()
	h["Content-Type"] = nil
	h.Set(hdrError, e.Error())
	noStore(h)
	w.WriteHeader(http.StatusOK)
}

// noStore keeps proxies and browsers from keeping a forward's answer.
func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// dryRunBody is what a dry run answers: the request as it would be sent,
// with every card value masked and credential-like header values hidden.
type dryRunBody struct {
	Type           string              `json:"type"`
	Method         string              `json:"method"`
	URL            string              `json:"url"`
	Headers        map[string][]string `json:"headers"`
	Body           string              `json:"body"`
	TimeoutSeconds float64             `json:"timeout_seconds"`
	PaymentMethods []string            `json:"payment_methods"`
}

// dryRun checks the forward as it would be sent (allowlist, SSRF guard,
// DNS) and answers with it, rendered with masked values. Nothing is sent.
func (a *API) dryRun(w http.ResponseWriter, r *http.Request, spec forwardSpec, req forward.Request) error {
	if a.relay == nil {
		return a.refused(r, spec, actionForward, &forward.RefusedError{Host: spec.Host, Reason: "no forward destinations are configured"})
	}
	out, err := a.relay.Prepare(r.Context(), req)
	var refused *forward.RefusedError
	var upstream *forward.UpstreamError
	switch {
	case errors.As(err, &refused):
		return a.refused(r, spec, actionForward, refused)
	case errors.As(err, &upstream):
		if err := a.record(r, spec, actionForward, map[string]string{"outcome": "dry_run", "error": string(upstream.Kind)}); err != nil {
			return err
		}
		w.Header().Set(hdrDryRun, "true")
		writeNoResponse(w, upstream)
		return nil
	case err != nil:
		return err
	}
	if err := a.record(r, spec, actionForward, map[string]string{"outcome": "dry_run"}); err != nil {
		return err
	}
	headers := map[string][]string{}
	for name, vs := range out.Header {
		if sensitiveHeader(name) {
			vs = []string{"[redacted]"}
		}
		headers[name] = vs
	}
	w.Header().Set(hdrDryRun, "true")
	server.Encode(w, http.StatusOK, dryRunBody{Type: "vault-forward-dry-run", Method: out.Method, URL: out.URL,
		Headers: headers, Body: string(out.Body), TimeoutSeconds: out.Timeout.Seconds(), PaymentMethods: spec.IDs})
	return nil
}

// sensitiveHeader reports whether a header's value looks like a credential,
// which a dry run does not echo.
func sensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	for _, s := range []string{"key", "token", "secret", "password", "signature", "auth"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
