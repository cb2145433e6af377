package gr4vy

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/connector"
	"github.com/cardvault/cardvault/internal/forward"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/cardtokens"
)

// errNoTokens answers the payment-service token routes of a vault built
// without them.
var errNoTokens = errorf(vault.CodeNotFound, "payment service tokens are not available in this vault")

// serviceToken is Gr4vy's PaymentServiceToken.
type serviceToken struct {
	Type             string  `json:"type"`
	ID               string  `json:"id"`
	PaymentMethodID  string  `json:"payment_method_id"`
	PaymentServiceID string  `json:"payment_service_id"`
	Status           string  `json:"status"`
	Token            *string `json:"token"`
	ApprovalURL      *string `json:"approval_url"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
}

func toServiceToken(t cardtokens.Token) serviceToken {
	out := serviceToken{Type: "payment-service-token", ID: t.ID, PaymentMethodID: t.CardID, PaymentServiceID: t.Service,
		Status: t.Status, CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt)}
	if t.Value != "" {
		v := t.Value
		out.Token = &v
	}
	return out
}

// tokenRequest is Gr4vy's PaymentServiceTokenCreate.
type tokenRequest struct {
	PaymentServiceID *string `json:"payment_service_id"`
	RedirectURL      *string `json:"redirect_url"`
	SecurityCode     *string `json:"security_code"`
}

// createServiceToken asks the payment service's provider for its token of
// a stored card, through the operator's connector whose id is the
// payment_service_id: POST /payment-methods/{id}/payment-service-tokens.
// The card leaves the vault only after the audit log recorded that it
// will; a provider's refusal is a token with status failed, not an error.
func (a *API) createServiceToken(w http.ResponseWriter, r *http.Request) error {
	if a.tokens == nil {
		return errNoTokens
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := server.Decode[tokenRequest](r, true)
	if err != nil {
		return err
	}
	switch {
	case req.PaymentServiceID == nil || uuid.Validate(*req.PaymentServiceID) != nil:
		return invalid(inBody, "payment_service_id", "payment_service_id must be a UUID")
	case req.RedirectURL == nil:
		return invalid(inBody, "redirect_url", "redirect_url is required")
	case a.connectors == nil || !a.connectors.Has(*req.PaymentServiceID):
		return errorf(vault.CodeNotFound, "no payment service with this id is configured in this vault (a connector named by the payment_service_id)")
	}
	service := *req.PaymentServiceID
	p := server.Principal(r)
	rc, err := a.vault.RevealCard(r.Context(), p.Tenant, id)
	if err != nil {
		return orNotFound(err)
	}
	var code card.SecurityCode
	if req.SecurityCode != nil {
		if code, err = card.ParseSecurityCode(*req.SecurityCode, rc.PAN.Scheme()); err != nil {
			return invalid(inBody, "security_code", "%s", err.Error())
		}
	}
	err = a.audit.Record(r.Context(), audit.Event{Tenant: p.Tenant, Actor: p.KeyID, Action: "connector.tokenize",
		Targets: []string{id}, RequestID: server.RequestIDFrom(r.Context()),
		Detail: map[string]string{"dialect": "gr4vy", "connector": service, "security_code": strconv.FormatBool(!code.IsZero())}})
	if err != nil {
		return err
	}
	res, err := a.connectors.Tokenize(r.Context(), service, forward.Card{PAN: rc.PAN, Holder: rc.Holder, Expiry: rc.Expiry, SecurityCode: code})
	t := cardtokens.Token{CardID: id, Service: service, Status: "succeeded", Value: res.Token}
	var ce *connector.Error
	switch {
	case errors.As(err, &ce):
		t.Status, t.Value, t.Reason = "failed", "", ce.Reason
		a.log.WarnContext(r.Context(), "payment service tokenization failed", "request_id", server.RequestIDFrom(r.Context()),
			"connector", service, "kind", string(ce.Kind), "status", ce.Status)
	case err != nil:
		return err
	}
	t, err = a.tokens.Add(r.Context(), p.Tenant, t)
	if err != nil {
		return orNotFound(err)
	}
	server.Encode(w, http.StatusCreated, toServiceToken(t))
	return nil
}

// listServiceTokens lists a stored card's payment-service tokens:
// GET /payment-methods/{id}/payment-service-tokens[?payment_service_id=].
func (a *API) listServiceTokens(w http.ResponseWriter, r *http.Request) error {
	if a.tokens == nil {
		return errNoTokens
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	service := r.URL.Query().Get("payment_service_id")
	if service != "" && uuid.Validate(service) != nil {
		return invalid(inQuery, "payment_service_id", "payment_service_id must be a UUID")
	}
	ts, err := a.tokens.List(r.Context(), server.Principal(r).Tenant, id, service)
	if err != nil {
		return orNotFound(err)
	}
	out := struct {
		Items []serviceToken `json:"items"`
	}{Items: make([]serviceToken, len(ts))}
	for i, t := range ts {
		out.Items[i] = toServiceToken(t)
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// deleteServiceToken forgets one of a card's payment-service tokens:
// DELETE /payment-methods/{id}/payment-service-tokens/{token_id}. The
// provider's own copy is the merchant's to remove.
func (a *API) deleteServiceToken(w http.ResponseWriter, r *http.Request) error {
	if a.tokens == nil {
		return errNoTokens
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.tokens.Delete(r.Context(), server.Principal(r).Tenant, id, r.PathValue("token_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
