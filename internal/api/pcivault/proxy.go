package pcivault

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// ProxyHeaderPrefix marks a request header to send to the destination
// under the rest of its name, with placeholders in its value filled in:
// X-PCIVault-Proxy-Header-Authorization: Bearer … is sent as
// Authorization: Bearer …. No other request header is passed on, except
// Content-Type on /proxy/post.
const ProxyHeaderPrefix = "X-Pcivault-Proxy-Header-"

// maxProxyTimeout bounds the timeout query parameter, in seconds.
const maxProxyTimeout = 120

// proxyPost forwards a POST with a stored card filled into its body:
// POST /v1/proxy/post?user=&passphrase=&token=[&reference=]&url=[&timeout=].
func (a *API) proxyPost(w http.ResponseWriter, r *http.Request) error {
	return a.proxy(w, r, http.MethodPost)
}

// proxyGet forwards a GET (no body; placeholders only in the headers
// marked with ProxyHeaderPrefix): GET /v1/proxy/get?….
func (a *API) proxyGet(w http.ResponseWriter, r *http.Request) error {
	return a.proxy(w, r, http.MethodGet)
}

// proxy fills the entry's card into the request's body (POST) and marked
// headers and relays it to the destination through the vault's relay
// (allowlist, SSRF guard, limits), answering the destination's status,
// Content-Type and body. The forward is audited before it is sent
// (nothing is sent if that fails) and its outcome after.
func (a *API) proxy(w http.ResponseWriter, r *http.Request, method string) error {
	q := r.URL.Query()
	dest := q.Get("url")
	u, perr := url.Parse(dest)
	if dest == "" || perr != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return vault.Invalid("url", "url must be the absolute URL to forward to")
	}
	if a.relay == nil {
		return &vault.Error{Code: vault.CodeUnavailable, Public: "forwarding is not configured on this vault"}
	}
	var timeout time.Duration
	if s := q.Get("timeout"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxProxyTimeout {
			return vault.Invalid("timeout", "timeout must be 1 to %d seconds", maxProxyTimeout)
		}
		timeout = time.Duration(n) * time.Second
	}
	var body []byte
	contentType := ""
	if method == http.MethodPost {
		raw, err := readBody(w, r)
		if err != nil {
			return err
		}
		body = raw
		vs := r.Header.Values("Content-Type")
		if len(vs) > 1 {
			return vault.Invalid("content-type", "content-type must be given once: the body is escaped for the one content type the destination receives")
		}
		if len(vs) == 1 {
			contentType = vs[0]
		}
	}
	tenant := server.Principal(r).Tenant
	ref, data, err := a.pci.RevealEntry(r.Context(), tenant, q.Get("user"), q.Get("passphrase"), q.Get("token"), q.Get("reference"))
	if err != nil {
		return err
	}
	c, err := proxyCard(data)
	if err != nil {
		return err
	}
	lookup := forward.Values(ProxySyntax, []forward.Card{c})
	own, err := proxyHeaders(r.Header, lookup)
	if err != nil {
		return err
	}
	if contentType != "" && own.Get("Content-Type") == "" {
		own.Set("Content-Type", contentType)
	}
	if method == http.MethodPost {
		tpl, err := forward.Parse(body)
		if err != nil {
			return err
		}
		if _, err := tpl.Check(ProxySyntax, 1); err != nil {
			return err
		}
		if body, err = tpl.Render(own.Get("Content-Type"), lookup); err != nil {
			return err
		}
	}
	targets := []string{ref.User, ref.Token, ref.Reference}
	if err := a.recordProxy(r, "pcivault.proxy", map[string]string{"destination_host": u.Host, "method": method}, targets); err != nil {
		return err
	}
	resp, err := a.relay.Do(r.Context(), forward.Request{Method: method, URL: dest, Own: own, Body: body, Timeout: timeout,
		Secrets: []string{server.Credential(r), q.Get("passphrase")}})
	a.recordProxyOutcome(r, u.Host, targets, resp, err)
	if err != nil {
		return err
	}
	h := w.Header()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
	return nil
}

// proxyHeaders collects the headers marked with ProxyHeaderPrefix, under
// the rest of their names, placeholders in their values filled in raw.
func proxyHeaders(in http.Header, lookup forward.Lookup) (http.Header, error) {
	out := http.Header{}
	for name, vs := range in {
		canon := http.CanonicalHeaderKey(name)
		if !strings.HasPrefix(canon, ProxyHeaderPrefix) || len(canon) == len(ProxyHeaderPrefix) {
			continue
		}
		to := canon[len(ProxyHeaderPrefix):]
		for _, v := range vs {
			tpl, err := forward.Parse([]byte(v))
			if err != nil {
				return nil, err
			}
			if _, err := tpl.Check(ProxySyntax, 1); err != nil {
				return nil, err
			}
			rendered, err := tpl.RenderKind(forward.Raw, lookup)
			if err != nil {
				return nil, err
			}
			if strings.ContainsAny(string(rendered), "\r\n") {
				return nil, vault.Invalid(to, "header %s would hold a line break", to)
			}
			out.Add(to, string(rendered))
		}
	}
	return out, nil
}

// recordProxy audits a proxy call by the request's caller, with detail.
func (a *API) recordProxy(r *http.Request, action string, detail map[string]string, targets []string) error {
	return a.audit.Record(r.Context(), api.CallerEvent(r, action, detail, targets...))
}

// recordProxyOutcome audits a proxy call's result through the outcome
// recorder (in the background when serving; api.Outcomes); failing to is
// logged, as the call has happened and its answer must reach the caller.
func (a *API) recordProxyOutcome(r *http.Request, host string, targets []string, resp *forward.Response, err error) {
	detail := forward.OutcomeDetail(host, resp, err)
	if aerr := a.outcomes.Record(r.Context(), api.CallerEvent(r, "pcivault.proxy.result", detail, targets...)); aerr != nil {
		a.log.ErrorContext(r.Context(), "audit proxy result", "request_id", server.RequestIDFrom(r.Context()), "err", aerr)
	}
}

// proxyFail writes the relay's and the template engine's errors in PCI
// Vault's shape and reports whether err was one: a bad template is a 400,
// a destination the allowlist refuses a 403 (other refusals a 400), a
// destination that gave no complete answer a 502 (504 on a timeout).
func proxyFail(w http.ResponseWriter, r *http.Request, a *API, err error) bool {
	var te *forward.TemplateError
	var re *forward.RefusedError
	var ue *forward.UpstreamError
	switch {
	case errors.As(err, &te):
		a.WriteError(w, r, http.StatusBadRequest, te.Error())
	case errors.As(err, &re):
		status := http.StatusBadRequest
		for _, p := range []string{"no allow rule", "no forward destinations", "destination resolves"} {
			if strings.HasPrefix(re.Reason, p) {
				status = http.StatusForbidden
			}
		}
		a.WriteError(w, r, status, re.Error())
	case errors.As(err, &ue):
		a.log.WarnContext(r.Context(), "pcivault proxy failed", "request_id", server.RequestIDFrom(r.Context()), "kind", string(ue.Kind))
		status := http.StatusBadGateway
		if ue.Kind == forward.UpstreamTimeout {
			status = http.StatusGatewayTimeout
		}
		a.WriteError(w, r, status, ue.Error())
	default:
		return false
	}
	return true
}
