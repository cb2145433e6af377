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
	// NetworkTokenID names a network token source's token.
	NetworkTokenID string `json:"network_token_id"`
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
	src, err := decodeSource[inquirySource](req.Source, "pan, pci_token or network_token")
	if err != nil {
		return err
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
		if pan, err = a.networkFundingPAN(r, firstOf(src.ID, src.NetworkTokenID, src.TokenID)); err != nil {
			return err
		}
	default:
		return badRequest("source.type", "unknown source type %q; use pan, pci_token or network_token", clip(src.Type))
	}
	server.Encode(w, http.StatusOK, a.describe(pan))
	return nil
}

// networkFundingPAN opens the number of the card a network token of the
// caller stands for, to look its ranges up: the funding card's issuer and
// product are what an inquiry about the token asks.
func (a *API) networkFundingPAN(r *http.Request, id string) (card.PAN, error) {
	if a.network == nil {
		return card.PAN{}, noNetworkTokens
	}
	if err := checkUUID(id, "source.id"); err != nil {
		return card.PAN{}, err
	}
	tenant := server.Principal(r).Tenant
	t, err := a.network.Get(r.Context(), tenant, id)
	if err != nil {
		return card.PAN{}, err
	}
	c, err := a.vault.RevealCard(r.Context(), tenant, t.CardID)
	if err != nil {
		return card.PAN{}, &apiError{status: http.StatusConflict, classifier: "CARD_NOT_FOUND",
			message: "the card this network token was made for is no longer stored"}
	}
	return c.PAN, nil
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
