package guardian

import (
	"io"
	"net/http"
	"net/url"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
)

// Guardian's forward headers. Every other request header is passed on
// (see outboundHeaders).
const (
	destinationHeader = "X-Destination-Url"
	ownNameHeader     = "X-Own-Header-Name"
	ownValueHeader    = "X-Own-Header-Value"
)

// forward injects the token's card into the body template and relays it
// to the destination, answering the provider's status and body as they
// are: POST /api/pci/tokens/{id}/forward. Each forward is audited before it
// is sent (nothing is sent if that fails) and its outcome after.
func (a *API) forward(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	if r.Header.Get(cryptogramHeader) != "" {
		return badRequest("x-cryptogram-reference", "x-cryptogram-reference belongs on POST /api/network/tokens/{id}/forward")
	}
	return a.relayForward(w, r, id, func(body []byte, contentType string) ([]byte, error) {
		return a.render(r, id, body, contentType)
	})
}

// relayForward checks a forward's destination and headers, renders its
// body with render (only once everything else is checked), audits it and
// relays it, answering the provider's status and body as they are.
func (a *API) relayForward(w http.ResponseWriter, r *http.Request, id string, render func(body []byte, contentType string) ([]byte, error)) error {
	dest := r.Header.Get(destinationHeader)
	u, perr := url.Parse(dest)
	if dest == "" || perr != nil || u.Host == "" {
		return badRequest("x-destination-url", "x-destination-url must be the absolute URL to forward to")
	}
	if a.relay == nil {
		return &apiError{status: http.StatusServiceUnavailable, classifier: "FORWARD_NOT_CONFIGURED",
			message: "forwarding is not configured on this vault"}
	}
	own, err := ownHeader(r.Header)
	if err != nil {
		return err
	}
	contentType, err := sentContentType(r.Header, own)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return tooLarge(err)
	}
	rendered, err := render(body, contentType)
	if err != nil {
		return err
	}
	header, own := outboundHeaders(r.Header, own)
	if err := a.record(r, "forward", map[string]string{"destination_host": u.Host}, id); err != nil {
		return err
	}
	resp, err := a.relay.Do(r.Context(), forward.Request{Method: http.MethodPost, URL: dest, Header: header,
		Own: own, Body: rendered, Secrets: []string{credential(r)}})
	a.recordOutcome(r, u.Host, id, resp, err)
	if err != nil {
		return err
	}
	writeProviderHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
	return nil
}

// ownHeader reads x-own-header-name / -value: a header set on the forward
// even when the vault would otherwise drop it (its own names, such as
// x-api-key).
func ownHeader(h http.Header) (http.Header, error) {
	name, value := h.Get(ownNameHeader), h.Get(ownValueHeader)
	switch {
	case name == "" && value == "":
		return nil, nil
	case name == "":
		return nil, badRequest("x-own-header-name", "x-own-header-value needs x-own-header-name")
	case !validToken(name):
		return nil, badRequest("x-own-header-name", "x-own-header-name must be a header name")
	}
	return http.Header{http.CanonicalHeaderKey(name): {value}}, nil
}

// sentContentType returns the Content-Type the provider will receive, which
// is the one the body is escaped for: the x-own-header one when it names
// Content-Type (it replaces the request's), else the request's own. A
// request with more than one Content-Type is refused: the body would be
// escaped for one and the provider might read another.
func sentContentType(h, own http.Header) (string, error) {
	if vs := own.Values("Content-Type"); len(vs) > 0 {
		return vs[0], nil // ownHeader sets exactly one value
	}
	vs := h.Values("Content-Type")
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	}
	return "", badRequest("content-type", "content-type must be given once: the body is escaped for the one content type the provider receives")
}

// validToken reports whether s is an HTTP header name (RFC 9110 token).
func validToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == ':' || c == '"' || c == '(' || c == ')' || c == ',' || c == '/' ||
			c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\' ||
			c == ']' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

// render fills the body template with the token's card, escaped for
// contentType, fetching the security code only when the template asks for
// it.
func (a *API) render(r *http.Request, id string, body []byte, contentType string) ([]byte, error) {
	tpl, err := forward.Parse(body)
	if err != nil {
		return nil, err
	}
	needs, err := tpl.Check(forward.Guardian, 1)
	if err != nil {
		return nil, err
	}
	fc, err := a.forwardCard(r, id, len(needs.SecurityCode) > 0)
	if err != nil {
		return nil, err
	}
	return tpl.Render(contentType, forward.Values(forward.Guardian, []forward.Card{fc}))
}

// forwardCard reads the token's card, and its held security code when
// withCode (card and code in one store read).
func (a *API) forwardCard(r *http.Request, id string, withCode bool) (forward.Card, error) {
	tenant := server.Principal(r).Tenant
	if !withCode {
		c, err := a.vault.RevealCard(r.Context(), tenant, id)
		if err != nil {
			return forward.Card{}, tokenNotFound(err)
		}
		return forward.Card{PAN: c.PAN, Holder: c.Holder, Expiry: c.Expiry}, nil
	}
	c, code, err := a.vault.RevealCardWithSecurityCode(r.Context(), tenant, id)
	if err != nil {
		return forward.Card{}, tokenNotFound(err)
	}
	if code.IsZero() {
		return forward.Card{}, badRequest("security_code", "the template uses {{ security_code }} but no security code is held for this token")
	}
	return forward.Card{PAN: c.PAN, Holder: c.Holder, Expiry: c.Expiry, SecurityCode: code}, nil
}

// recordOutcome audits a forward's result: the provider's status or the
// kind of failure, and the latency, through the outcome recorder (in the
// background when serving; api.Outcomes). Failing to record it is logged:
// the forward has happened and its answer must reach the caller.
func (a *API) recordOutcome(r *http.Request, host, id string, resp *forward.Response, err error) {
	detail := forward.OutcomeDetail(host, resp, err)
	if aerr := a.outcomes.Record(r.Context(), api.CallerEvent(r, "forward.result", detail, id)); aerr != nil {
		a.log.ErrorContext(r.Context(), "audit forward result", "request_id", server.RequestIDFrom(r.Context()), "err", aerr)
	}
}
