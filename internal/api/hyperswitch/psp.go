package hyperswitch

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault/customers"
)

// PSP tokenization outcomes.
const (
	pspSucceeded = "succeeded"
	pspFailed    = "failed"
)

// tokenize asks the connector's provider for its token of a saved payment
// method's card and records the outcome on the payment method: the token
// under connector_tokens, or why there is none. A provider failure is not
// an error of the request: the payment method stays saved and says why.
// The card leaves the vault only after the audit log has recorded that it
// will.
func (a *API) tokenize(r *http.Request, c caller, pm customers.PaymentMethod, psp pspRequest) (customers.PaymentMethod, error) {
	ctx := r.Context()
	// The card and its held code in one store read; the code is zero when
	// none is held, and the connector's template then says why.
	rc, cvc, err := a.vault.RevealCardWithSecurityCode(ctx, c.Tenant, pm.Card.ID)
	if err != nil {
		return customers.PaymentMethod{}, err
	}
	err = a.audit.Record(ctx, audit.Event{Tenant: c.Tenant, Actor: c.KeyID, Action: "connector.tokenize",
		Targets: []string{pm.ID, pm.Card.ID}, RequestID: server.RequestIDFrom(ctx),
		Detail: map[string]string{"connector": psp.ConnectorID, "tokenization_type": psp.TokenizationType,
			"security_code": strconv.FormatBool(!cvc.IsZero())}})
	if err != nil {
		return customers.PaymentMethod{}, err
	}
	res, err := a.connectors.Tokenize(ctx, psp.ConnectorID, forward.Card{PAN: rc.PAN, Holder: rc.Holder, Expiry: rc.Expiry, SecurityCode: cvc})
	attempt := &pspRecord{ConnectorID: psp.ConnectorID, Type: psp.TokenizationType, Status: pspSucceeded, ProviderStatus: res.Status}
	reason := ""
	var ce *connector.Error
	switch {
	case errors.As(err, &ce):
		attempt.Status, attempt.ErrorKind, attempt.ProviderStatus, reason = pspFailed, ce.Kind, ce.Status, ce.Reason
		a.log.WarnContext(ctx, "psp tokenization failed", "request_id", server.RequestIDFrom(ctx), "connector", psp.ConnectorID,
			"payment_method", pm.ID, "reason", ce.Reason, "err", server.RedactDigits(errString(ce.Err)))
	case err != nil:
		return customers.PaymentMethod{}, err
	default:
		a.log.InfoContext(ctx, "psp tokenization succeeded", "request_id", server.RequestIDFrom(ctx), "connector", psp.ConnectorID,
			"payment_method", pm.ID, "host", res.Host, "status", res.Status, "latency_ms", res.Latency.Milliseconds())
	}
	now := a.vault.Now()
	return a.customers.UpdatePaymentMethod(ctx, c.Tenant, c.Profile, pm.ID, customers.PaymentMethodUpdate{Change: func(p *customers.PaymentMethod) error {
		v, err := viewOf(*p)
		if err != nil {
			return err
		}
		// The clear part keeps only fixed words and the status; the reason
		// (which can quote the provider) is sealed with the personal data.
		v.pub.PSP, v.priv.PSPError = attempt, reason
		if attempt.Status == pspSucceeded {
			p.ConnectorTokens = withToken(p.ConnectorTokens, customers.ConnectorToken{ConnectorID: psp.ConnectorID, Token: res.Token,
				Type: psp.TokenizationType, Status: tokenActive, CreatedAt: now})
		}
		return v.store(p)
	}})
}

// pspView renders the last provider tokenization for the client: the
// clear record with the sealed reason it failed for.
func (v view) pspView() *pspAttempt {
	p := v.pub.PSP
	if p == nil {
		return nil
	}
	out := &pspAttempt{ConnectorID: p.ConnectorID, Type: p.Type, Status: p.Status, ProviderStatus: p.ProviderStatus}
	if p.Status == pspFailed {
		out.Error = v.priv.PSPError
		if out.Error == "" && p.ErrorKind != "" {
			out.Error = "the provider tokenization failed (" + string(p.ErrorKind) + ")"
		} else if out.Error == "" {
			out.Error = "the provider tokenization failed"
		}
	}
	return out
}

// withToken adds t to tokens, replacing a token of the same connector and
// type, and dropping the oldest when the list is full.
func withToken(tokens []customers.ConnectorToken, t customers.ConnectorToken) []customers.ConnectorToken {
	out := make([]customers.ConnectorToken, 0, len(tokens)+1)
	for _, old := range tokens {
		if old.ConnectorID != t.ConnectorID || old.Type != t.Type {
			out = append(out, old)
		}
	}
	out = append(out, t)
	if len(out) > customers.MaxConnectorTokens {
		out = out[len(out)-customers.MaxConnectorTokens:]
	}
	return out
}

// errString is err's text, or "".
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
