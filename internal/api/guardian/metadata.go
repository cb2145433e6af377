package guardian

import (
	"encoding/json"
	"net/http"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
)

// inquiryRequest is the body of POST /api/metadata/inquiries.
type inquiryRequest struct {
	Source json.RawMessage `json:"source"`
}

// inquirySource is a pan source (card fields) or a pci_token source (its
// id under any of the names a client may use).
type inquirySource struct {
	Type string `json:"type"`
	cardFields
	ID         string `json:"id"`
	TokenID    string `json:"token_id"`
	PCITokenID string `json:"pci_token_id"`
}

// inquiryResponse is what a card number says about the card. Funding type,
// issuer and country come from the BIN table and are absent when it does
// not know the range.
type inquiryResponse struct {
	BIN           string `json:"bin"`
	Scheme        string `json:"scheme"`
	Type          string `json:"type,omitempty"`
	IssuerName    string `json:"issuer_name,omitempty"`
	IssuerCountry string `json:"issuer_country_code,omitempty"`
	Masked        string `json:"masked_account_number"`
	Length        int    `json:"account_number_length"`
}

// inquire looks up card metadata from a PAN (never stored) or a PCI token
// of the caller's tenant: POST /api/metadata/inquiries.
func (a *API) inquire() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := server.Decode[inquiryRequest](r, false)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if isNull(req.Source) {
			a.fail(w, r, badRequest("source", "source is required, with type pan or pci_token"))
			return
		}
		var src inquirySource
		if err := json.Unmarshal(req.Source, &src); err != nil {
			a.fail(w, r, badRequest("source", "source must be an object with a type (pan or pci_token)"))
			return
		}
		var pan card.PAN
		switch src.Type {
		case "pan":
			if pan, err = src.parsePAN("source."); err != nil {
				a.fail(w, r, err)
				return
			}
		case "pci_token":
			id := firstOf(src.ID, src.TokenID, src.PCITokenID)
			if err := checkUUID(id, "source.id"); err != nil {
				a.fail(w, r, err)
				return
			}
			// The number is opened only to look its ranges up; the caller
			// sees no more than a masked read shows.
			c, err := a.vault.RevealCard(r.Context(), principal(r).Tenant, id)
			if err != nil {
				a.fail(w, r, tokenNotFound(err))
				return
			}
			pan = c.PAN
		case "network_token":
			a.fail(w, r, &apiError{status: http.StatusNotImplemented, classifier: "NOT_IMPLEMENTED",
				message: "network tokens are not supported by cardvault"})
			return
		default:
			a.fail(w, r, badRequest("source.type", "unknown source type %q; use pan or pci_token", clip(src.Type)))
			return
		}
		server.Encode(w, http.StatusOK, a.describe(pan))
	})
}

// describe answers what is known about a card number, without the number.
func (a *API) describe(pan card.PAN) inquiryResponse {
	out := inquiryResponse{BIN: pan.BIN(), Scheme: scheme(pan.Scheme()), Masked: pan.Masked(), Length: pan.Len()}
	if e, ok := a.bins.Lookup(pan.Digits()); ok {
		out.Scheme, out.Type, out.IssuerName, out.IssuerCountry = e.Scheme, e.Funding, e.Issuer, e.Country
	}
	return out
}
