package guardian

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/networktokens"
)

// networkCreateRequest is the body of POST /api/network/tokens.
type networkCreateRequest struct {
	Source   json.RawMessage `json:"source"`
	Metadata json.RawMessage `json:"metadata"`
}

// networkSource names the card to tokenize: a PCI token of the caller (its
// id under any of the names a client may use) or a card number.
type networkSource struct {
	Type string `json:"type"`
	cardFields
	ID         string `json:"id"`
	TokenID    string `json:"token_id"`
	PCITokenID string `json:"pci_token_id"`
}

// networkToken is Guardian's network token object. Sandbox is cardvault's
// addition: true on every token the sandbox token service made.
type networkToken struct {
	ID           string            `json:"id"`
	Card         tokenCard         `json:"card"`
	CreatedAt    time.Time         `json:"created_at"`
	NetworkToken networkTokenInfo  `json:"network_token"`
	PCITokenID   string            `json:"pci_token_id,omitempty"`
	Metadata     map[string]string `json:"metadata"`
	Sandbox      bool              `json:"sandbox"`
}

// networkTokenInfo is the token's own part: status, the network's token
// service, and (cardvault additions) the masked DPAN and its own expiry.
type networkTokenInfo struct {
	Status          string `json:"status"`
	Type            string `json:"type"`
	SchemeReference string `json:"scheme_reference,omitempty"`
	Masked          string `json:"masked_number,omitempty"`
	ExpiryMonth     int    `json:"expiry_month,omitempty"`
	ExpiryYear      int    `json:"expiry_year,omitempty"`
}

// guardianStatus names a token state in Guardian's enum.
func guardianStatus(s tsp.State) string {
	switch s {
	case tsp.StateActive:
		return "active"
	case tsp.StateDeleted:
		return "deleted"
	}
	return "inactive"
}

// serviceType names the network token service of a scheme (Guardian's
// vts/mdes/tms; Discover's is dtsp, outside the document's enum).
func serviceType(s card.Scheme) string {
	switch s {
	case card.Visa:
		return "vts"
	case card.Mastercard:
		return "mdes"
	case card.Amex:
		return "tms"
	}
	return "dtsp"
}

// networkView renders a network token; the card object is the funding
// card's, as a masked read shows it, when it is still stored, else the
// token's own number and expiry.
func (a *API) networkView(r *http.Request, t tsp.Token) networkToken {
	out := networkToken{ID: t.ID, CreatedAt: t.CreatedAt, PCITokenID: t.CardID, Metadata: t.Metadata, Sandbox: t.Sandbox,
		NetworkToken: networkTokenInfo{Status: guardianStatus(t.State), Type: serviceType(t.Scheme),
			Masked: t.DPAN.Masked(), ExpiryMonth: t.Expiry.Month, ExpiryYear: t.Expiry.Year},
		Card: tokenCard{ExpiryMonth: t.Expiry.Month, ExpiryYear: t.Expiry.Year, Masked: t.DPAN.Masked(), Scheme: scheme(t.Scheme)}}
	if c, err := a.vault.GetCard(r.Context(), t.Tenant, t.CardID); err == nil {
		out.Card = tokenView(c).Card
	} else {
		out.PCITokenID = ""
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// noNetworkTokens answers when no token service is configured.
var noNetworkTokens = &apiError{status: http.StatusNotImplemented, classifier: "NOT_IMPLEMENTED",
	message: "network tokens are not configured on this vault"}

// createNetworkToken provisions a network token for a PCI token or a card
// number: POST /api/network/tokens.
func (a *API) createNetworkToken(w http.ResponseWriter, r *http.Request) error {
	if a.network == nil {
		return noNetworkTokens
	}
	req, err := server.Decode[networkCreateRequest](r, false)
	if err != nil {
		return err
	}
	md, err := parseMetadata(req.Metadata)
	if err != nil {
		return err
	}
	src, err := decodeSource[networkSource](req.Source, "pci_token or pan")
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	opts := networktokens.ProvisionOptions{Metadata: md}
	var t tsp.Token
	switch src.Type {
	case "pci_token":
		id := firstOf(src.ID, src.PCITokenID, src.TokenID)
		if err := checkUUID(id, "source.id"); err != nil {
			return err
		}
		if t, err = a.network.Provision(r.Context(), tenant, id, opts); err != nil {
			return networkError(tokenNotFound(err))
		}
	case "pan":
		in, err := src.input("source.")
		if err != nil {
			return err
		}
		if t, err = a.provisionPAN(r, tenant, in, opts); err != nil {
			return err
		}
	case "session":
		return &apiError{status: http.StatusUnprocessableEntity, classifier: "SOURCE_NOT_SUPPORTED",
			message: "a session source is not supported for network tokens: capture the card as a PCI token through a session, then send source type pci_token"}
	default:
		return badRequest("source.type", "unknown source type %q; use pci_token or pan", clip(src.Type))
	}
	server.Encode(w, http.StatusOK, a.networkView(r, t))
	return nil
}

// provisionPAN stores the card and provisions its token; when the token
// service refuses, the card just stored is removed again.
func (a *API) provisionPAN(r *http.Request, tenant string, in vault.CardInput, opts networktokens.ProvisionOptions) (tsp.Token, error) {
	c, err := a.vault.CreateCard(r.Context(), tenant, in)
	if err != nil {
		return tsp.Token{}, err
	}
	t, err := a.network.Provision(r.Context(), tenant, c.ID, opts)
	if err != nil {
		if derr := a.vault.DeleteCard(r.Context(), tenant, c.ID); derr != nil {
			a.log.ErrorContext(r.Context(), "remove the card of a refused network token", "request_id",
				server.RequestIDFrom(r.Context()), "card", c.ID, "err", derr)
		}
		return tsp.Token{}, networkError(err)
	}
	return t, nil
}

// networkTokenID reads the {id} path value and checks the service exists.
func (a *API) networkTokenID(r *http.Request) (string, error) {
	if a.network == nil {
		return "", noNetworkTokens
	}
	return tokenID(r)
}

// getNetworkToken returns a token as the token service knows it now
// (lists show the stored state): GET /api/network/tokens/{id}.
func (a *API) getNetworkToken(w http.ResponseWriter, r *http.Request) error {
	id, err := a.networkTokenID(r)
	if err != nil {
		return err
	}
	t, err := a.network.Refresh(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, a.networkView(r, t))
	return nil
}

// listNetworkTokens pages through the tenant's tokens in id order:
// GET /api/network/tokens?after=&limit=.
func (a *API) listNetworkTokens(w http.ResponseWriter, r *http.Request) error {
	if a.network == nil {
		return noNetworkTokens
	}
	p, err := page(r, true)
	if err != nil {
		return err
	}
	ts, err := a.network.List(r.Context(), server.Principal(r).Tenant, "", p)
	if err != nil {
		return err
	}
	out := listResponse[networkToken]{Data: make([]networkToken, len(ts))}
	last := ""
	for i, t := range ts {
		out.Data[i], last = a.networkView(r, t), t.ID
	}
	out.Links.Next = a.nextURL(r, p, last)
	server.Encode(w, http.StatusOK, out)
	return nil
}

// deleteNetworkToken deletes a token at the network; it stays readable
// with status deleted: DELETE /api/network/tokens/{id}.
func (a *API) deleteNetworkToken(w http.ResponseWriter, r *http.Request) error {
	id, err := a.networkTokenID(r)
	if err != nil {
		return err
	}
	if _, err := a.network.Delete(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return networkError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// networkError gives the token service's refusals their own classifier
// and a status a client can act on; other errors pass through.
func networkError(err error) error {
	e := vault.AsError(err)
	if e == nil {
		return nil
	}
	for _, m := range []struct {
		reason     error
		status     int
		classifier string
	}{
		{tsp.ErrSchemeNotSupported, http.StatusUnprocessableEntity, "SCHEME_NOT_SUPPORTED"},
		{tsp.ErrCardExpired, http.StatusUnprocessableEntity, "CARD_EXPIRED"},
		{tsp.ErrTokenState, http.StatusConflict, "NETWORK_TOKEN_NOT_ACTIVE"},
		{tsp.ErrCryptogramUsed, http.StatusConflict, "CRYPTOGRAM_ALREADY_USED"},
		{tsp.ErrCryptogramBinding, http.StatusConflict, "CRYPTOGRAM_BINDING_MISMATCH"},
		{tsp.ErrCryptogramExpired, http.StatusGone, "CRYPTOGRAM_EXPIRED"},
	} {
		if errors.Is(err, m.reason) {
			return &apiError{status: m.status, classifier: m.classifier, message: e.Public}
		}
	}
	return err
}
