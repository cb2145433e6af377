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

// inquiryResponse is what a card number says about the card (the EAP
// shape). Everything but bin, scheme, the masked number and its length
// comes from the BIN table and is absent when it does not know the range
// or the field.
type inquiryResponse struct {
	BIN           string `json:"bin"`
	Scheme        string `json:"scheme"`
	Type          string `json:"type,omitempty"`
	Segment       string `json:"segment,omitempty"`
	IssuerName    string `json:"issuer_name,omitempty"`
	IssuerCountry string `json:"issuer_country_code,omitempty"`
	ProductCode   string `json:"product_code,omitempty"`
	ProductName   string `json:"product_name,omitempty"`
	Currency      string `json:"billing_currency_code,omitempty"`
	Masked        string `json:"masked_account_number"`
	Length        int    `json:"account_number_length"`
}

// inquire looks up card metadata from a PAN (never stored) or a PCI token
// of the caller's tenant: POST /api/metadata/inquiries.
func (a *API) inquire(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[inquiryRequest](r, false)
	if err != nil {
		return err
	}
	if isNull(req.Source) {
		return badRequest("source", "source is required, with type pan or pci_token")
	}
	var src inquirySource
	if err := json.Unmarshal(req.Source, &src); err != nil {
		return badRequest("source", "source must be an object with a type (pan or pci_token)")
	}
	var pan card.PAN
	switch src.Type {
	case "pan":
		if pan, err = src.parsePAN("source."); err != nil {
			return err
		}
	case "pci_token":
		id := firstOf(src.ID, src.TokenID, src.PCITokenID)
		if err := checkUUID(id, "source.id"); err != nil {
			return err
		}
		// The number is opened only to look its ranges up; the caller
		// sees no more than a masked read shows.
		c, err := a.vault.RevealCard(r.Context(), server.Principal(r).Tenant, id)
		if err != nil {
			return tokenNotFound(err)
		}
		pan = c.PAN
	case "network_token":
		return &apiError{status: http.StatusNotImplemented, classifier: "NOT_IMPLEMENTED",
			message: "network tokens are not supported by cardvault"}
	default:
		return badRequest("source.type", "unknown source type %q; use pan or pci_token", clip(src.Type))
	}
	server.Encode(w, http.StatusOK, a.describe(pan))
	return nil
}

// describe answers what is known about a card number, without the number.
func (a *API) describe(pan card.PAN) inquiryResponse {
	out := inquiryResponse{BIN: pan.BIN(), Scheme: scheme(pan.Scheme()), Masked: pan.Masked(), Length: pan.Len()}
	if e, ok := a.bins.Lookup(pan.Digits()); ok {
		out.Scheme, out.Type, out.IssuerName, out.IssuerCountry = enumScheme(e.Scheme), e.Funding, e.Issuer, e.Country
		out.Segment, out.ProductCode, out.ProductName, out.Currency = e.Segment, e.ProductCode, e.ProductName, e.Currency
	}
	return out
}
