package gr4vy

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/audit"
	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
)

// networkTokens is what the facade needs of the network-token domain;
// *networktokens.Service is one.
type networkTokens interface {
	Provision(ctx context.Context, tenant, cardID string, opts networktokens.ProvisionOptions) (tsp.Token, error)
	Get(ctx context.Context, tenant, id string) (tsp.Token, error)
	List(ctx context.Context, tenant, cardID string, p vault.Page) ([]tsp.Token, error)
	Cryptogram(ctx context.Context, tenant, id string, b tsp.Binding) (tsp.Cryptogram, error)
	Suspend(ctx context.Context, tenant, id string) (tsp.Token, error)
	Resume(ctx context.Context, tenant, id string) (tsp.Token, error)
	Delete(ctx context.Context, tenant, id string) (tsp.Token, error)
	// DeleteCard deletes every live token of a card, when the card goes.
	DeleteCard(ctx context.Context, tenant, cardID string) error
}

var _ networkTokens = (*networktokens.Service)(nil)

// errNoNetworkTokens answers the network-token routes of a vault built
// without a token service provider.
var errNoNetworkTokens = errorf(vault.CodeNotFound, "network tokens are not available in this vault (no token service provider is configured)")

// errTokenNotFound is the one answer for a network token that does not
// exist, belongs to another payment method or to another merchant account.
var errTokenNotFound = errorf(vault.CodeNotFound, "the network token could not be found")

// networkToken is Gr4vy's NetworkToken. Token is the DPAN: in full only
// for a caller allowed to see one (mayRevealDPAN; audited), masked
// otherwise.
type networkToken struct {
	Type            string `json:"type"`
	ID              string `json:"id"`
	ExpirationDate  string `json:"expiration_date"`
	PaymentMethodID string `json:"payment_method_id"`
	Status          string `json:"status"`
	Token           string `json:"token"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

// networkTokenCreate is Gr4vy's NetworkTokenCreate.
type networkTokenCreate struct {
	SecurityCode        *string `json:"security_code"`
	MerchantInitiated   *bool   `json:"merchant_initiated"`
	IsSubsequentPayment *bool   `json:"is_subsequent_payment"`
}

// cryptogramCreate is Gr4vy's CryptogramCreate.
type cryptogramCreate struct {
	MerchantInitiated *bool `json:"merchant_initiated"`
}

// check validates a provisioning request for a card of the scheme: both
// booleans are required, and a security code must fit the scheme.
func (q networkTokenCreate) check(scheme card.Scheme) error {
	switch {
	case q.MerchantInitiated == nil:
		return invalid(inBody, "merchant_initiated", "merchant_initiated is required")
	case q.IsSubsequentPayment == nil:
		return invalid(inBody, "is_subsequent_payment", "is_subsequent_payment is required")
	}
	if q.SecurityCode != nil {
		if _, err := card.ParseSecurityCode(*q.SecurityCode, scheme); err != nil {
			return invalid(inBody, "security_code", "%s", err.Error())
		}
	}
	return nil
}

// check validates a cryptogram request.
func (q cryptogramCreate) check() error {
	if q.MerchantInitiated == nil {
		return invalid(inBody, "merchant_initiated", "merchant_initiated is required")
	}
	return nil
}

// cryptogram is Gr4vy's Cryptogram.
type cryptogram struct {
	Type       string `json:"type"`
	Cryptogram string `json:"cryptogram"`
}

// maxNetworkTokens bounds one payment method's list.
const maxNetworkTokens = 1000

// ntCaller is a request on a payment method's network tokens: the caller,
// the payment method (a card of the caller's merchant account) and the
// token named in the path, if any.
type ntCaller struct {
	vault.Principal
	card    vault.CardView
	tokenID string
}

// ntRequest checks the service, the path ids and that the payment method
// is one of the caller's cards.
func (a *API) ntRequest(r *http.Request, withToken bool) (ntCaller, error) {
	if a.networkTokens == nil {
		return ntCaller{}, errNoNetworkTokens
	}
	id, err := pathID(r)
	if err != nil {
		return ntCaller{}, err
	}
	c := ntCaller{Principal: server.Principal(r)}
	if withToken {
		t, err := uuid.Parse(r.PathValue("network_token_id"))
		if err != nil {
			return ntCaller{}, invalid(inPath, "network_token_id", "network_token_id must be a UUID")
		}
		c.tokenID = t.String()
	}
	if c.card, err = a.vault.GetCard(r.Context(), c.Tenant, id); err != nil {
		return ntCaller{}, orNotFound(err)
	}
	return c, nil
}

// tokenRequest is ntRequest for a path naming a token, which must be the
// payment method's.
func (a *API) tokenRequest(r *http.Request) (ntCaller, error) {
	c, err := a.ntRequest(r, true)
	if err != nil {
		return ntCaller{}, err
	}
	t, err := a.networkTokens.Get(r.Context(), c.Tenant, c.tokenID)
	if vault.CodeOf(err) == vault.CodeNotFound || (err == nil && t.CardID != c.card.ID) {
		return ntCaller{}, errTokenNotFound
	}
	return c, err
}

// ntError gives the domain's refusals Gr4vy's words: a token whose state
// does not allow the change is a bad request (Gr4vy's 409 means a
// duplicate record), and a missing token is the one not-found answer.
func ntError(err error) error {
	var e *vault.Error
	switch {
	case errors.Is(err, tsp.ErrTokenState) && errors.As(err, &e):
		return &vault.Error{Code: vault.CodeInvalid, Public: e.Public, Err: err}
	case vault.CodeOf(err) == vault.CodeNotFound:
		return errTokenNotFound
	}
	return err
}

// SandboxHeader is set to "true" on every answer that carries a token or
// cryptogram of the sandbox token service: never a real one. Gr4vy's
// schemas allow no extra member, so the body cannot say it.
const SandboxHeader = "Cardvault-Sandbox"

// markSandbox sets SandboxHeader on the answer when sandbox is true.
func markSandbox(w http.ResponseWriter, sandbox bool) {
	if sandbox {
		w.Header().Set(SandboxHeader, "true")
	}
}

// mayRevealDPAN says whether p may read a DPAN in the clear: only with
// cards:reveal, the rule Guardian's inline cryptograms follow too. A
// forward key sends a DPAN to a provider through the relay without seeing
// it, and no Gr4vy JWT scope grants cards:reveal, so a JWT sees it masked.
func mayRevealDPAN(p vault.Principal) bool {
	return p.Can(vault.ScopeCardsReveal)
}

// renderTokens writes tokens as Gr4vy's NetworkToken, revealing the DPANs
// to a caller that mayRevealDPAN after the audit log recorded it.
func (a *API) renderTokens(w http.ResponseWriter, r *http.Request, c ntCaller, ts ...tsp.Token) ([]networkToken, error) {
	reveal := mayRevealDPAN(c.Principal)
	if reveal && len(ts) > 0 {
		ids := make([]string, len(ts))
		for i, t := range ts {
			ids[i] = t.ID
		}
		err := a.audit.Record(r.Context(), audit.Event{Tenant: c.Tenant, Actor: c.KeyID, Action: "network_token.reveal",
			Targets: ids, RequestID: server.RequestIDFrom(r.Context()), Detail: map[string]string{"dialect": "gr4vy", "card": c.card.ID}})
		if err != nil {
			return nil, err
		}
	}
	out := make([]networkToken, len(ts))
	for i, t := range ts {
		out[i] = toNetworkToken(t, reveal)
		markSandbox(w, t.Sandbox)
	}
	return out, nil
}

// toNetworkToken renders a token; the DPAN in full only when reveal.
func toNetworkToken(t tsp.Token, reveal bool) networkToken {
	token := t.DPAN.Masked()
	if reveal {
		token = t.DPAN.Digits()
	}
	return networkToken{Type: "network-token", ID: t.ID, ExpirationDate: t.Expiry.MMYY(), PaymentMethodID: t.CardID,
		Status: string(t.State), Token: token, CreatedAt: formatTime(t.CreatedAt), UpdatedAt: formatTime(t.UpdatedAt)}
}

// writeToken answers with one token.
func (a *API) writeToken(w http.ResponseWriter, r *http.Request, c ntCaller, status int, t tsp.Token) error {
	out, err := a.renderTokens(w, r, c, t)
	if err != nil {
		return err
	}
	server.Encode(w, status, out[0])
	return nil
}

// createNetworkToken provisions a network token for a stored card:
// POST /payment-methods/{id}/network-tokens. A security code, when sent,
// must fit the card's scheme; it is passed to no one (the sandbox needs
// none) and never stored.
func (a *API) createNetworkToken(w http.ResponseWriter, r *http.Request) error {
	c, err := a.ntRequest(r, false)
	if err != nil {
		return err
	}
	q, err := server.Decode[networkTokenCreate](r, true)
	if err != nil {
		return err
	}
	if err := q.check(c.card.Scheme); err != nil {
		return err
	}
	t, err := a.networkTokens.Provision(r.Context(), c.Tenant, c.card.ID, networktokens.ProvisionOptions{})
	if err != nil {
		return orNotFound(err)
	}
	return a.writeToken(w, r, c, http.StatusCreated, t)
}

// listNetworkTokens lists a stored card's network tokens, deleted ones
// included: GET /payment-methods/{id}/network-tokens.
func (a *API) listNetworkTokens(w http.ResponseWriter, r *http.Request) error {
	c, err := a.ntRequest(r, false)
	if err != nil {
		return err
	}
	var all []tsp.Token
	p := vault.Page{Limit: 100}
	for len(all) < maxNetworkTokens {
		ts, err := a.networkTokens.List(r.Context(), c.Tenant, c.card.ID, p)
		if err != nil {
			return err
		}
		all = append(all, ts...)
		if len(ts) < p.Limit {
			break
		}
		p.After = ts[len(ts)-1].ID
	}
	items, err := a.renderTokens(w, r, c, all...)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string][]networkToken{"items": items})
	return nil
}

// createCryptogram mints a single-use cryptogram for an active token:
// POST /payment-methods/{id}/network-tokens/{network_token_id}/cryptogram.
func (a *API) createCryptogram(w http.ResponseWriter, r *http.Request) error {
	c, err := a.tokenRequest(r)
	if err != nil {
		return err
	}
	q, err := server.Decode[cryptogramCreate](r, true)
	if err != nil {
		return err
	}
	if err := q.check(); err != nil {
		return err
	}
	cg, err := a.networkTokens.Cryptogram(r.Context(), c.Tenant, c.tokenID, tsp.Binding{})
	if err != nil {
		return ntError(err)
	}
	markSandbox(w, cg.Sandbox)
	server.Encode(w, http.StatusCreated, cryptogram{Type: "network-token-cryptogram", Cryptogram: cg.Value})
	return nil
}

// suspendNetworkToken: POST …/network-tokens/{network_token_id}/suspend.
func (a *API) suspendNetworkToken(w http.ResponseWriter, r *http.Request) error {
	return a.changeToken(w, r, a.networkTokens.Suspend)
}

// resumeNetworkToken: POST …/network-tokens/{network_token_id}/resume.
func (a *API) resumeNetworkToken(w http.ResponseWriter, r *http.Request) error {
	return a.changeToken(w, r, a.networkTokens.Resume)
}

// changeToken checks the path and applies change to the path's token.
func (a *API) changeToken(w http.ResponseWriter, r *http.Request, change func(context.Context, string, string) (tsp.Token, error)) error {
	c, err := a.tokenRequest(r)
	if err != nil {
		return err
	}
	t, err := change(r.Context(), c.Tenant, c.tokenID)
	if err != nil {
		return ntError(err)
	}
	return a.writeToken(w, r, c, http.StatusOK, t)
}

// deleteNetworkToken deletes a token for good; it stays listed as
// deleted: DELETE /payment-methods/{id}/network-tokens/{network_token_id}.
func (a *API) deleteNetworkToken(w http.ResponseWriter, r *http.Request) error {
	c, err := a.tokenRequest(r)
	if err != nil {
		return err
	}
	if _, err := a.networkTokens.Delete(r.Context(), c.Tenant, c.tokenID); err != nil {
		return ntError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
