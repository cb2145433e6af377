package gr4vy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/cardvault/cardvault/internal/api"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/checkouts"
)

// The audit actions of a forward. actionForward is recorded before
// anything is sent (and for dry runs and refusals, whose cards were read);
// actionForwardResult is the outcome of one that was handed to the relay.
const (
	actionForward       = "forward"
	actionForwardResult = "forward.result"
)

// vaultForward injects stored cards into the caller's request and relays it:
// POST /vault-forward. Everything that can be checked is checked before
// any card is read; nothing is sent upstream unless every check passed.
func (a *API) vaultForward(w http.ResponseWriter, r *http.Request) error {
	spec, err := parseForwardHeaders(r.Header)
	if err != nil {
		return err
	}
	body, err := readRawBody(r)
	if err != nil {
		return err
	}
	tpl, err := forward.Parse(body)
	if err != nil {
		return templateErr(err)
	}
	tenant := server.Principal(r).Tenant
	var session *checkouts.Secrets
	if spec.Session != "" {
		if a.checkouts == nil {
			return errNoCheckout
		}
		sec, err := a.checkouts.Secrets(r.Context(), tenant, spec.Session)
		if err != nil {
			return err
		}
		session = &sec
		if spec.IDs == nil {
			// The session alone names the card: its own, or the stored one
			// it is about.
			if sec.PAN.IsZero() && sec.PaymentMethodID == "" {
				return invalid(inHeader, "x-vault-forward-checkout-session", "the checkout session holds no card")
			}
			spec.IDs = []string{sessionTarget(spec.Session, sec)}
		}
	}
	needs, err := tpl.Check(forward.Gr4vy, len(spec.IDs))
	if err != nil {
		return templateErr(err)
	}
	cards, err := a.loadCards(r.Context(), tenant, spec.IDs, needs, spec.Session, session)
	if err != nil {
		return err
	}
	// Only x-vault-forward-header-* headers reach the provider, its
	// Content-Type included. This request's own Content-Type describes the
	// body sent to the vault: it is a hint for escaping when the provider's
	// is not given, never sent on.
	own := spec.Header.Clone()
	bodyType := own.Get("Content-Type")
	if bodyType == "" {
		bodyType = r.Header.Get("Content-Type")
	}
	lookup := forward.Values(forward.Gr4vy, cards)
	if spec.DryRun {
		lookup = forward.Masked(forward.Gr4vy, cards)
	}
	rendered, err := tpl.Render(bodyType, lookup)
	if err != nil {
		return templateErr(err)
	}
	req := forward.Request{Method: spec.Method, URL: spec.URL, Own: own, Body: rendered, Timeout: spec.Timeout,
		Secrets: []string{server.Credential(r)}}
	if spec.DryRun {
		return a.dryRun(w, r, spec, req)
	}
	return a.send(w, r, spec, req)
}

// send relays the request and answers with the upstream's response, or
// with x-vault-forward-error when none came back. The forward is audited
// before it is handed to the relay, and nothing is sent if that fails; its
// outcome is audited after.
func (a *API) send(w http.ResponseWriter, r *http.Request, spec forwardSpec, req forward.Request) error {
	if a.relay == nil {
		return a.refused(r, spec, actionForward, &forward.RefusedError{Host: spec.Host, Reason: "no forward destinations are configured"})
	}
	if err := a.record(r, spec, actionForward, map[string]string{"outcome": "sending"}); err != nil {
		return err
	}
	start := time.Now()
	resp, err := a.relay.Do(r.Context(), req)
	var refused *forward.RefusedError
	var upstream *forward.UpstreamError
	switch {
	case errors.As(err, &refused):
		return a.refused(r, spec, actionForwardResult, refused)
	case errors.As(err, &upstream):
		a.log.WarnContext(r.Context(), "forward got no response", "request_id", server.RequestIDFrom(r.Context()),
			"host", spec.Host, "kind", string(upstream.Kind), "err", server.RedactDigits(fmt.Sprint(upstream.Err)))
		a.recordSent(r, spec, map[string]string{"outcome": "no_response", "error": string(upstream.Kind),
			"latency_ms": millis(time.Since(start))})
		writeNoResponse(w, upstream)
	case err != nil:
		return err
	default:
		a.recordSent(r, spec, map[string]string{"outcome": "sent", "status": strconv.Itoa(resp.Status),
			"latency_ms": millis(resp.Latency)})
		writeUpstream(w, resp)
	}
	return nil
}

// refused answers a forward the relay would not send: a destination the
// allowlist or the SSRF guard refuses, or a request it cannot send. The
// refusal is audited (as action) before the answer; if that fails, so does
// the request.
func (a *API) refused(r *http.Request, spec forwardSpec, action string, e *forward.RefusedError) error {
	if err := a.record(r, spec, action, map[string]string{"outcome": "refused"}); err != nil {
		return err
	}
	return &vault.Error{Code: vault.CodeForbidden, Public: e.Error(), Err: e}
}

// loadCards reads every named card of the tenant (each must exist: one
// answer, 404, whichever is missing) and, for the ones the template uses,
// their data. A security code comes only from the checkout session
// (session, for the card it is about), never from elsewhere: a template
// naming one without a session is refused before anything is sent.
func (a *API) loadCards(ctx context.Context, tenant string, ids []string, needs forward.Needs,
	sessionID string, session *checkouts.Secrets) ([]forward.Card, error) {
	cards := make([]forward.Card, len(ids))
	for i, id := range ids {
		if session != nil && id == sessionCard(sessionID) {
			cards[i] = forward.Card{PAN: session.PAN, Expiry: session.Expiry}
			continue
		}
		if i >= needs.Cards {
			if _, err := a.vault.GetCard(ctx, tenant, id); err != nil {
				return nil, forwardNotFound(err)
			}
			continue
		}
		c, err := a.vault.RevealCard(ctx, tenant, id)
		if err != nil {
			return nil, forwardNotFound(err)
		}
		cards[i] = forward.Card{PAN: c.PAN, Holder: c.Holder, Expiry: c.Expiry}
	}
	for _, i := range needs.SecurityCode {
		switch {
		case session == nil:
			return nil, invalid(inHeader, "x-vault-forward-checkout-session", "CARD_SECURITY_CODE_%d: a security code can only be forwarded through a checkout session (x-vault-forward-checkout-session)", i+1)
		case session.SecurityCode.IsZero():
			return nil, invalid(inHeader, "x-vault-forward-checkout-session", "CARD_SECURITY_CODE_%d: the checkout session holds no security code", i+1)
		case ids[i] != sessionCard(sessionID) && ids[i] != session.PaymentMethodID:
			return nil, invalid(inHeader, "x-vault-forward-checkout-session", "CARD_SECURITY_CODE_%d: the checkout session's security code is not for payment method %d", i+1, i+1)
		}
		cards[i].SecurityCode = session.SecurityCode
	}
	return cards, nil
}

// sessionCard is how a session's own (unstored) card is named among the
// cards of a forward and in its audit entry.
func sessionCard(sessionID string) string { return "checkout-session:" + sessionID }

// sessionTarget names the card a session alone selects: the stored card it
// is about, else its own.
func sessionTarget(sessionID string, sec checkouts.Secrets) string {
	if sec.PAN.IsZero() {
		return sec.PaymentMethodID
	}
	return sessionCard(sessionID)
}

// forwardNotFound gives a missing card one answer that does not say which.
func forwardNotFound(err error) error {
	if vault.CodeOf(err) == vault.CodeNotFound {
		return errorf(vault.CodeNotFound, "one or more payment methods in x-vault-forward-payment-methods could not be found")
	}
	return err
}

// templateErr turns a template error (safe to show) into a 400 about the body.
func templateErr(err error) error {
	var te *forward.TemplateError
	if errors.As(err, &te) {
		return invalid(inBody, "body", "%s", te.Error())
	}
	return err
}

// readRawBody reads the body to forward, whatever its media type.
func readRawBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, errorf(vault.CodeTooLarge, "request body is larger than %d bytes", tooBig.Limit)
	case err != nil:
		return nil, invalid(inBody, "body", "could not read the request body")
	}
	return b, nil
}

// recordSent audits the outcome of a forward that was (or may have been)
// sent. The card data has left by then, so an audit failure cannot undo
// it: it is logged loudly and the caller still gets the upstream's answer,
// since hiding it would invite a retry of a payment that may have gone
// through.
func (a *API) recordSent(r *http.Request, spec forwardSpec, detail map[string]string) {
	if err := a.recordTo(a.outcomes, r, spec, actionForwardResult, detail); err != nil {
		a.log.ErrorContext(r.Context(), "audit of a sent forward failed", "request_id", server.RequestIDFrom(r.Context()),
			"host", spec.Host, "err", server.RedactDigits(err.Error()))
	}
}

// record audits one step of a forward: tenant, key, destination host,
// method, card ids and the outcome. Never the body, the URL's path or any header value.
func (a *API) record(r *http.Request, spec forwardSpec, action string, detail map[string]string) error {
	return a.recordTo(a.audit, r, spec, action, detail)
}

// recordTo is record through rec: the audit log, or the outcome recorder
// for what a request need not wait for.
func (a *API) recordTo(rec api.Recorder, r *http.Request, spec forwardSpec, action string, detail map[string]string) error {
	p := server.Principal(r)
	detail["dialect"] = "gr4vy"
	detail["host"] = spec.Host
	detail["method"] = spec.Method
	if a.log.Enabled(r.Context(), slog.LevelInfo) { // the attributes cost allocations even when not logged
		attrs := []any{"request_id", server.RequestIDFrom(r.Context()), "tenant", p.Tenant, "key_id", p.KeyID,
			"host", spec.Host, "method", spec.Method, "cards", len(spec.IDs)}
		for _, k := range []string{"outcome", "status", "error", "latency_ms"} {
			if v, ok := detail[k]; ok {
				attrs = append(attrs, k, v)
			}
		}
		a.log.InfoContext(r.Context(), action, attrs...)
	}
	return rec.Record(r.Context(), api.CallerEvent(r, action, detail, spec.IDs...))
}

// millis formats a duration in whole milliseconds, at least 0.
func millis(d time.Duration) string { return strconv.FormatInt(max(d.Milliseconds(), 0), 10) }
