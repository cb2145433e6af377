package native

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
)

// cardRequest is the body of POST /cards.
type cardRequest struct {
	Number       string            `json:"number"`
	Expiry       string            `json:"expiry"`
	ExpMonth     int               `json:"exp_month"`
	ExpYear      int               `json:"exp_year"`
	Holder       string            `json:"holder"`
	SecurityCode string            `json:"security_code"`
	Reference    string            `json:"reference"`
	Metadata     map[string]string `json:"metadata"`
	Extra        map[string]string `json:"extra"`
	ExpiresAt    *time.Time        `json:"expires_at"`
}

// cardResponse is a card as the native API shows it.
type cardResponse struct {
	ID           string            `json:"id"`
	Number       string            `json:"number,omitempty"`
	Masked       string            `json:"masked_number"`
	BIN          string            `json:"bin"`
	Last4        string            `json:"last4"`
	Scheme       card.Scheme       `json:"scheme"`
	ExpMonth     int               `json:"exp_month,omitempty"`
	ExpYear      int               `json:"exp_year,omitempty"`
	Holder       string            `json:"holder,omitempty"`
	Reference    string            `json:"reference,omitempty"`
	Metadata     map[string]string `json:"metadata"`
	Extra        map[string]string `json:"extra,omitempty"`
	Fingerprint  string            `json:"fingerprint,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	ExpiresAt    *time.Time        `json:"expires_at,omitempty"`
	SecurityCode *bool             `json:"security_code_held,omitempty"`
}

// view renders a masked card for the request's caller. The fingerprint is
// shown only to keys that may reveal the number anyway: with it, a key that
// can store and read cards could test candidate numbers against a stored one.
func view(r *http.Request, c vault.CardView) cardResponse {
	out := toResponse(c)
	if !server.Principal(r).Can(vault.ScopeCardsReveal) {
		out.Fingerprint = ""
	}
	return out
}

// toResponse renders a masked card.
func toResponse(c vault.CardView) cardResponse {
	out := cardResponse{ID: c.ID, Masked: c.Masked, BIN: c.BIN, Last4: c.Last4, Scheme: c.Scheme,
		ExpMonth: c.Expiry.Month, ExpYear: c.Expiry.Year, Holder: c.Holder, Reference: c.Reference,
		Metadata: c.Metadata, Fingerprint: c.Fingerprint, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if !c.ExpiresAt.IsZero() {
		out.ExpiresAt = &c.ExpiresAt
	}
	return out
}

// parseCard turns a request into a vault.CardInput, validating every field.
func parseCard(req cardRequest) (vault.CardInput, error) {
	pan, err := card.ParsePAN(req.Number)
	if err != nil {
		return vault.CardInput{}, vault.Invalid("number", "%s", err.Error())
	}
	in := vault.CardInput{PAN: pan, Reference: req.Reference, Metadata: req.Metadata, Extra: req.Extra}
	switch {
	case req.Expiry != "":
		in.Expiry, err = card.ParseExpiry(req.Expiry)
	case req.ExpMonth != 0 || req.ExpYear != 0:
		in.Expiry, err = card.NewExpiry(req.ExpMonth, req.ExpYear)
	}
	if err != nil {
		return vault.CardInput{}, vault.Invalid("expiry", "%s", err.Error())
	}
	if in.Holder, err = card.ParseHolder(req.Holder); err != nil {
		return vault.CardInput{}, vault.Invalid("holder", "%s", err.Error())
	}
	if req.SecurityCode != "" {
		if in.SecurityCode, err = card.ParseSecurityCode(req.SecurityCode, pan.Scheme()); err != nil {
			return vault.CardInput{}, vault.Invalid("security_code", "%s", err.Error())
		}
	}
	if req.ExpiresAt != nil {
		in.ExpiresAt = *req.ExpiresAt
	}
	return in, nil
}

// createCard stores a card: POST /cards.
func (a *API) createCard(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[cardRequest](r, true)
	if err != nil {
		return err
	}
	in, err := parseCard(req)
	if err != nil {
		return err
	}
	c, err := a.vault.CreateCard(r.Context(), server.Principal(r).Tenant, in)
	if err != nil {
		return err
	}
	resp := view(r, c)
	held := !in.SecurityCode.IsZero()
	resp.SecurityCode = &held
	server.Encode(w, http.StatusCreated, resp)
	return nil
}

// getCard returns a masked card: GET /cards/{id}.
func (a *API) getCard(w http.ResponseWriter, r *http.Request) error {
	c, err := a.vault.GetCard(r.Context(), server.Principal(r).Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	hold, err := a.vault.SecurityCodeStatus(r.Context(), c.Tenant, c.ID)
	if err != nil {
		return err
	}
	resp := view(r, c)
	resp.SecurityCode = &hold.Held
	server.Encode(w, http.StatusOK, resp)
	return nil
}

// revealCard returns a card with its number: GET /cards/{id}/reveal.
func (a *API) revealCard(w http.ResponseWriter, r *http.Request) error {
	c, err := a.vault.RevealCard(r.Context(), server.Principal(r).Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := a.record(r, "card.reveal", c.ID); err != nil {
		return err
	}
	resp := toResponse(c.CardView)
	resp.Number = c.PAN.Digits()
	resp.Extra = c.Extra
	server.Encode(w, http.StatusOK, resp)
	return nil
}

// updateRequest is the body of PATCH /cards/{id}; absent fields stay.
type updateRequest struct {
	Expiry    *string           `json:"expiry"`
	Holder    *string           `json:"holder"`
	Reference *string           `json:"reference"`
	Metadata  map[string]string `json:"metadata"`
	Extra     map[string]string `json:"extra"`
	Number    *string           `json:"number"`
}

// updateCard changes a card's mutable fields: PATCH /cards/{id}.
func (a *API) updateCard(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[updateRequest](r, true)
	if err != nil {
		return err
	}
	if req.Number != nil {
		return vault.Invalid("number", "the card number cannot change; store a new card instead")
	}
	u := vault.CardUpdate{Reference: req.Reference, Metadata: req.Metadata, Extra: req.Extra}
	if req.Expiry != nil {
		e, err := card.ParseExpiry(*req.Expiry)
		if err != nil {
			return vault.Invalid("expiry", "%s", err.Error())
		}
		u.Expiry = &e
	}
	if req.Holder != nil {
		h, err := card.ParseHolder(*req.Holder)
		if err != nil {
			return vault.Invalid("holder", "%s", err.Error())
		}
		u.Holder = &h
	}
	c, err := a.vault.UpdateCard(r.Context(), server.Principal(r).Tenant, r.PathValue("id"), u)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, view(r, c))
	return nil
}

// deleteCard removes a card: DELETE /cards/{id}.
func (a *API) deleteCard(w http.ResponseWriter, r *http.Request) error {
	if err := a.vault.DeleteCard(r.Context(), server.Principal(r).Tenant, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listCards pages through masked cards: GET /cards?after=&limit=.
func (a *API) listCards(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	cards, err := a.vault.ListCards(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	items := make([]cardResponse, len(cards))
	for i, c := range cards {
		items[i] = view(r, c)
	}
	body := map[string]any{"items": items}
	if len(cards) == p.Limit {
		body["next_after"] = cards[len(cards)-1].ID
	}
	server.Encode(w, http.StatusOK, body)
	return nil
}

// page reads ?after= and ?limit= (1..100, default 20).
func page(r *http.Request) (vault.Page, error) {
	p := vault.Page{After: r.URL.Query().Get("after"), Limit: 20}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return p, vault.Invalid("limit", "limit must be a whole number from 1 to 100")
		}
		p.Limit = n
	}
	return p, nil
}
