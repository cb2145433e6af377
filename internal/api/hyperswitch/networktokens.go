package hyperswitch

import (
	"context"
	"errors"
	"net/http"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/customers"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
)

// networkTokens is what the facade needs of the network-token domain;
// *networktokens.Service is one. A payment method's network token is its
// card's: one provisioned through another dialect shows here too.
type networkTokens interface {
	// Check refuses a card the token service would refuse, before it is saved.
	Check(pan card.PAN, expiry card.Expiry) error
	Provision(ctx context.Context, tenant, cardID string, opts networktokens.ProvisionOptions) (tsp.Token, error)
	List(ctx context.Context, tenant, cardID string, p vault.Page) ([]tsp.Token, error)
	// Refresh asks the token service for the token's current state.
	Refresh(ctx context.Context, tenant, id string) (tsp.Token, error)
	Delete(ctx context.Context, tenant, id string) (tsp.Token, error)
	// DeleteCard deletes every live token of a card, when the card goes.
	DeleteCard(ctx context.Context, tenant, cardID string) error
}

var _ networkTokens = (*networktokens.Service)(nil)

// SandboxHeader is set to "true" on every answer that carries a token of
// the sandbox token service: never a real one.
const SandboxHeader = "Cardvault-Sandbox"

// States of network_tokenization beside a token's own (active, suspended,
// deleted).
const (
	// ntNotEnabled: the vault has no token service.
	ntNotEnabled = "not_enabled"
	// ntNone: the card has no network token.
	ntNone = "none"
)

// Messages of network_tokenization and of the status check.
const (
	ntNotEnabledMessage = "network tokenization is not enabled on this vault; the card is saved without a network token"
	ntNoneMessage       = "the payment method has no network token; save it with network_tokenization.enable = Enable to provision one"
	ntDeletedMessage    = "the payment method's network token was deleted"
)

// claimAttempts bounds how often claim retries an update that lost a race.
const claimAttempts = 10

// maxCardTokens bounds how many of a card's tokens are read to find its
// current one.
const maxCardTokens = 1000

// ntStatus is cardvault's addition to a payment method: what became of its
// network token. TokenID and Sandbox are set when it has one.
type ntStatus struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	TokenID string `json:"network_token_id,omitempty"`
	Sandbox bool   `json:"sandbox,omitempty"`
}

// ntResponse is Hyperswitch's NetworkTokenResponse.
type ntResponse struct {
	PaymentMethodData ntDetails `json:"payment_method_data"`
}

// ntDetails is Hyperswitch's NetworkTokenDetailsPaymentMethod: the token
// masked (its last four digits) with its own expiry, and the card's
// descriptive fields.
type ntDetails struct {
	Last4Digits    string  `json:"last4_digits"`
	IssuerCountry  string  `json:"issuer_country,omitempty"`
	ExpiryMonth    string  `json:"network_token_expiry_month"`
	ExpiryYear     string  `json:"network_token_expiry_year"`
	NickName       *string `json:"nick_name,omitempty"`
	CardHolderName *string `json:"card_holder_name,omitempty"`
	CardNetwork    string  `json:"card_network,omitempty"`
	CardIssuer     string  `json:"card_issuer,omitempty"`
	CardType       string  `json:"card_type,omitempty"`
	SavedToLocker  bool    `json:"saved_to_locker"`
}

// ntCheck is Hyperswitch's NetworkTokenStatusCheckResponse, either
// variant; Sandbox is cardvault's addition.
type ntCheck struct {
	Type            string `json:"type"`
	ErrorMessage    string `json:"error_message,omitempty"`
	Status          string `json:"status,omitempty"`
	TokenExpMonth   string `json:"token_expiry_month,omitempty"`
	TokenExpYear    string `json:"token_expiry_year,omitempty"`
	CardLastFour    string `json:"card_last_four,omitempty"`
	TokenLastFour   string `json:"token_last_four,omitempty"`
	CardExpMonth    string `json:"card_expiry_month,omitempty"`
	CardExpYear     string `json:"card_expiry_year,omitempty"`
	PaymentMethodID string `json:"payment_method_id,omitempty"`
	CustomerID      string `json:"customer_id,omitempty"`
	Sandbox         bool   `json:"sandbox,omitempty"`
}

// currentToken returns the card's live token (the newest active or
// suspended one) or else its newest deleted one; found is false when the
// card never had one.
func (a *API) currentToken(ctx context.Context, tenant, cardID string) (t tsp.Token, found bool, err error) {
	p := vault.Page{Limit: 100}
	for n := 0; n < maxCardTokens; {
		ts, err := a.networkTokens.List(ctx, tenant, cardID, p)
		if err != nil {
			return tsp.Token{}, false, err
		}
		for _, x := range ts {
			if !found || x.State != tsp.StateDeleted || t.State == tsp.StateDeleted {
				t, found = x, true
			}
		}
		n += len(ts)
		if len(ts) < p.Limit {
			break
		}
		p.After = ts[len(ts)-1].ID
	}
	return t, found, nil
}

// provision gives a payment method a network token unless its card has a
// live one. When the token service refuses the card (a scheme it does not
// tokenize), a payment method this request created is deleted again, so
// that nothing is left half-made, and the refusal is IR_19.
func (a *API) provision(ctx context.Context, c caller, pm customers.PaymentMethod, existed bool) error {
	cur, found, err := a.currentToken(ctx, c.Tenant, pm.Card.ID)
	if err != nil || (found && cur.State != tsp.StateDeleted) {
		return err
	}
	v, err := viewOf(pm)
	if err != nil {
		return err
	}
	t, err := a.networkTokens.Provision(ctx, c.Tenant, pm.Card.ID, networktokens.ProvisionOptions{})
	if err == nil {
		return a.claim(ctx, c, pm.ID, v.pub.NetworkTokenID, t.ID)
	}
	if !existed {
		if derr := a.customers.DeletePaymentMethod(context.WithoutCancel(ctx), c.Tenant, c.Profile, pm.ID); derr != nil {
			a.log.ErrorContext(ctx, "could not undo a payment method whose network token was refused",
				"request_id", server.RequestIDFrom(ctx), "err", derr)
		}
	}
	return refusal(err)
}

// precheck refuses, before anything is saved, a card the token service
// says it would not tokenize, so that a refusal needs no undo (an undone
// payment method would count as a deleted guess for the enumeration guard).
func (a *API) precheck(in vault.CardInput) error {
	return refusal(a.networkTokens.Check(in.PAN, in.Expiry))
}

// refusal is the token service's refusal of a card as IR_19, or err.
func refusal(err error) error {
	var e *vault.Error
	if errors.As(err, &e) && e.Code == vault.CodeInvalid {
		return unsupported("network_tokenization could not be done: %s", e.Public)
	}
	return err
}

// claim records mine as the payment method's network token unless another
// request recorded one since prev (what the payment method held before this
// request provisioned): the record's compare-and-set orders two creates that
// each provisioned a token for the card at once, and the loser deletes its
// own, so one live token stays.
func (a *API) claim(ctx context.Context, c caller, pmID, prev, mine string) error {
	lost := false
	change := customers.PaymentMethodUpdate{Change: func(pm *customers.PaymentMethod) error {
		v, err := viewOf(*pm)
		if err != nil {
			return err
		}
		if lost = v.pub.NetworkTokenID != prev && v.pub.NetworkTokenID != mine; lost {
			return nil
		}
		v.pub.NetworkTokenID = mine
		return v.store(pm)
	}}
	// Each lost race is another writer's commit; the update retries a few
	// times itself, and many creates at once may need more.
	var err error
	for range claimAttempts {
		if _, err = a.customers.UpdatePaymentMethod(ctx, c.Tenant, c.Profile, pmID, change); !errors.Is(err, vault.ErrConflict) {
			break
		}
	}
	if err == nil && !lost {
		return nil
	}
	if _, derr := a.networkTokens.Delete(context.WithoutCancel(ctx), c.Tenant, mine); derr != nil && err == nil {
		err = derr
	}
	return err
}

// networkToken is the payment method's network token as its answers show
// it: nil details unless the card has a live token.
func (a *API) networkToken(ctx context.Context, tenant string, v view) (*ntStatus, *ntResponse, error) {
	if a.networkTokens == nil {
		return &ntStatus{Status: ntNotEnabled, Message: ntNotEnabledMessage}, nil, nil
	}
	t, found, err := a.currentToken(ctx, tenant, v.pm.Card.ID)
	switch {
	case err != nil:
		return nil, nil, err
	case !found:
		return &ntStatus{Status: ntNone, Message: ntNoneMessage}, nil, nil
	case t.State == tsp.StateDeleted:
		return &ntStatus{Status: string(t.State), Message: ntDeletedMessage, TokenID: t.ID, Sandbox: t.Sandbox}, nil, nil
	}
	c := v.card()
	return &ntStatus{Status: string(t.State), TokenID: t.ID, Sandbox: t.Sandbox}, &ntResponse{PaymentMethodData: ntDetails{
		Last4Digits: t.DPAN.Last4(), IssuerCountry: c.IssuerCountry, ExpiryMonth: t.Expiry.Month2(), ExpiryYear: t.Expiry.Year4(),
		NickName: c.NickName, CardHolderName: c.CardHolderName, CardNetwork: c.CardNetwork, CardIssuer: c.CardIssuer,
		CardType: c.CardType, SavedToLocker: true}}, nil
}

// networkTokenStatus asks the token service for the state of a payment
// method's network token: GET /v2/payment-methods/{id}/check-network-token-status.
// A payment method without one (or a vault without a token service) is a
// failure_response saying so, as the document's 200 answer allows.
func (a *API) networkTokenStatus(w http.ResponseWriter, r *http.Request, c caller) error {
	pm, err := a.customers.GetPaymentMethod(r.Context(), c.Tenant, c.Profile, r.PathValue("id"))
	if err != nil {
		return err
	}
	fail := func(msg string) error {
		server.Encode(w, http.StatusOK, ntCheck{Type: "failure_response", ErrorMessage: msg})
		return nil
	}
	if a.networkTokens == nil {
		return fail(ntNotEnabledMessage)
	}
	t, found, err := a.currentToken(r.Context(), c.Tenant, pm.Card.ID)
	if err != nil {
		return err
	}
	if !found {
		return fail(ntNoneMessage)
	}
	if t, err = a.networkTokens.Refresh(r.Context(), c.Tenant, t.ID); err != nil {
		return err
	}
	out := ntCheck{Type: "success_response", Status: tokenStatus(t.State), PaymentMethodID: pm.ID, CustomerID: pm.CustomerID,
		Sandbox: t.Sandbox}
	if t.State == tsp.StateActive { // the document gives these "if active"
		out.TokenExpMonth, out.TokenExpYear, out.TokenLastFour = t.Expiry.Month2(), t.Expiry.Year4(), t.DPAN.Last4()
		out.CardLastFour = pm.Card.Last4
		if pm.Card.Expiry.Month != 0 {
			out.CardExpMonth, out.CardExpYear = pm.Card.Expiry.Month2(), pm.Card.Expiry.Year4()
		}
	}
	if t.Sandbox {
		w.Header().Set(SandboxHeader, "true")
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// tokenStatus names a state as Hyperswitch's TokenStatus does.
func tokenStatus(s tsp.State) string {
	switch s {
	case tsp.StateActive:
		return "ACTIVE"
	case tsp.StateSuspended:
		return "SUSPENDED"
	case tsp.StateDeleted:
		return "DELETED"
	}
	return "INACTIVE"
}

// deleteNetworkTokens deletes the live network tokens of payment methods'
// cards before the cards go: a token left active at the network for a card
// the vault no longer holds could not be deleted later.
func (a *API) deleteNetworkTokens(ctx context.Context, tenant string, pms ...customers.PaymentMethod) error {
	if a.networkTokens == nil {
		return nil
	}
	for _, pm := range pms {
		if err := a.networkTokens.DeleteCard(ctx, tenant, pm.Card.ID); err != nil {
			return err
		}
	}
	return nil
}

// deleteCustomerNetworkTokens deletes the network tokens of every payment
// method of a customer about to be deleted.
func (a *API) deleteCustomerNetworkTokens(ctx context.Context, c caller, customerID string) error {
	if a.networkTokens == nil {
		return nil
	}
	p := vault.Page{Limit: 100}
	for n := 0; n < maxSavedPaymentMethods; {
		pms, err := a.customers.ListPaymentMethods(ctx, c.Tenant, c.Profile, customerID, p)
		if err != nil {
			return err
		}
		if err := a.deleteNetworkTokens(ctx, c.Tenant, pms...); err != nil {
			return err
		}
		n += len(pms)
		if len(pms) < p.Limit {
			return nil
		}
		p.After = pms[len(pms)-1].ID
	}
	return nil
}
