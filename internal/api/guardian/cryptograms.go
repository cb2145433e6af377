package guardian

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/tsp"
	"github.com/cardvault/cardvault/internal/vault"
)

// cryptogramRequest is the body of POST /api/network/tokens/{id}/cryptograms.
type cryptogramRequest struct {
	Type         string          `json:"type"`
	Amount       json.RawMessage `json:"amount"`
	CurrencyCode string          `json:"currency_code"`
	Reference    string          `json:"reference"`
	Mode         string          `json:"mode"`
	Metadata     json.RawMessage `json:"metadata"`
}

// inlineCryptogram is the inline answer: everything a payment needs, the
// DPAN in the clear among it. Sandbox is cardvault's addition.
type inlineCryptogram struct {
	Cryptogram  string            `json:"cryptogram"`
	ECI         string            `json:"eci"`
	ExpiryMonth int               `json:"expiry_month"`
	ExpiryYear  int               `json:"expiry_year"`
	Number      string            `json:"number"`
	DynamicCVV  string            `json:"dynamic_cvv,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Sandbox     bool              `json:"sandbox"`
}

// referenceCryptogram is the reference-mode answer: a single-use handle a
// forward redeems with x-cryptogram-reference. ExpiresAt and Sandbox are
// cardvault's additions.
type referenceCryptogram struct {
	Reference string            `json:"cryptogram_reference"`
	ExpiresAt time.Time         `json:"expires_at"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	Sandbox   bool              `json:"sandbox"`
}

// maxReferenceLen bounds the merchant's reference.
const maxReferenceLen = 255

// parseBinding reads the optional amount (minor units, a whole number
// from 0) and currency_code (ISO 4217, any case).
func parseBinding(raw json.RawMessage, currency string) (tsp.Binding, error) {
	var b tsp.Binding
	if !isNull(raw) {
		var n json.Number
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return b, badRequest("amount", "amount must be a whole number of minor units")
		}
		v, err := n.Int64()
		if err != nil || v < 0 {
			return b, badRequest("amount", "amount must be a whole number of minor units, 0 or more")
		}
		b.Amount = &v
	}
	if currency != "" {
		c := strings.ToUpper(currency)
		if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return b, badRequest("currency_code", "currency_code must be a three-letter ISO 4217 code")
		}
		b.Currency = c
	}
	return b, nil
}

// cryptogramMode is the mode a cryptogram is answered in. Inline shows
// the DPAN in the clear, so it needs a key that may reveal card data
// (cards:reveal, or admin), the same as reading a card number; the forward
// scope (network:tokens:use) alone gets references, which only a forward
// can spend, as Guardian's SAQ-A instances are forced to reference mode.
// With no mode asked for, a key that may reveal gets inline, any other
// reference; a key that may not reveal asking for inline is a 403.
func cryptogramMode(p vault.Principal, asked string) (string, error) {
	switch asked {
	case "":
		if p.Can(vault.ScopeCardsReveal) {
			return "inline", nil
		}
		return "reference", nil
	case "reference":
		return asked, nil
	case "inline":
		if !p.Can(vault.ScopeCardsReveal) {
			return "", &apiError{status: http.StatusForbidden, classifier: "FORBIDDEN",
				message: "mode inline shows the network token number in the clear and needs the \"cards:reveal\" scope; " +
					"use mode reference and spend it with a forward"}
		}
		return asked, nil
	}
	return "", badRequest("mode", "mode must be inline or reference")
}

// createCryptogram mints a single-use cryptogram for an active token, and
// answers it inline or as a reference for a forward:
// POST /api/network/tokens/{id}/cryptograms. Each is audited.
func (a *API) createCryptogram(w http.ResponseWriter, r *http.Request) error {
	id, err := a.networkTokenID(r)
	if err != nil {
		return err
	}
	req, err := server.Decode[cryptogramRequest](r, false)
	if err != nil {
		return err
	}
	switch req.Type {
	case "", "ecom", "dauth":
	default:
		return badRequest("type", "type must be ecom or dauth")
	}
	mode, err := cryptogramMode(server.Principal(r), req.Mode)
	if err != nil {
		return err
	}
	if len(req.Reference) > maxReferenceLen {
		return badRequest("reference", "reference may be at most %d characters", maxReferenceLen)
	}
	b, err := parseBinding(req.Amount, req.CurrencyCode)
	if err != nil {
		return err
	}
	md, err := parseMetadata(req.Metadata)
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	t, err := a.network.Get(r.Context(), tenant, id)
	if err != nil {
		return err
	}
	if err := a.record(r, "network_token.cryptogram", map[string]string{"mode": mode}, id); err != nil {
		return err
	}
	c, err := a.network.Cryptogram(r.Context(), tenant, id, b)
	if err != nil {
		return networkError(err)
	}
	if mode == "reference" {
		server.Encode(w, http.StatusOK, referenceCryptogram{Reference: c.Reference, ExpiresAt: c.ExpiresAt, Metadata: md, Sandbox: c.Sandbox || t.Sandbox})
		return nil
	}
	server.Encode(w, http.StatusOK, inlineCryptogram{Cryptogram: c.Value, ECI: c.ECI, ExpiryMonth: t.Expiry.Month,
		ExpiryYear: t.Expiry.Year, Number: t.DPAN.Digits(), DynamicCVV: c.DynamicCVV, Metadata: md, Sandbox: c.Sandbox || t.Sandbox})
	return nil
}
