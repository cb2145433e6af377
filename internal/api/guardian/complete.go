package guardian

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
)

// Lifetimes of tokens the browser asks for (PaymentAdditionalData).
const (
	// ephemeralTokenTTL is the life of a token the shopper did not ask to keep.
	ephemeralTokenTTL = time.Hour
)

// completeRequest is the SDK's CompleteActionDTO for card actions.
type completeRequest struct {
	Action string          `json:"action"`
	Result json.RawMessage `json:"result"`
}

// tokenizedData is the result of tokenize_card / refresh_security_code:
// enc_payload (a JWE of the card), or, as a cardvault extension for clients
// without the SDK's iframes, the same card fields in the clear.
type tokenizedData struct {
	EncPayload *string `json:"enc_payload"`
	TokenID    *string `json:"token_id"`
	payload
}

// payload is the SDK's CardTokenizeData, what enc_payload decrypts to.
type payload struct {
	cardFields
	AdditionalData struct {
		CardholderName json.RawMessage `json:"cardholder_name"`
	} `json:"additional_data"`
	Ephemeral      *bool           `json:"ephemeral"`
	ExpirationDate json.RawMessage `json:"expiration_date"`
}

// completeAction completes a session with the card (or security code)
// the browser captured: POST /sessions/{id}/complete-action. It answers the
// session's new state.
func (a *API) completeAction(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	req, err := server.Decode[completeRequest](r, false)
	if err != nil {
		return err
	}
	s, err := a.sessions.Session(r.Context(), id)
	if err != nil {
		return err
	}
	if err := unusable(s); err != nil {
		return err
	}
	want := actionTokenize
	if s.Purpose == sessions.SecurityCode {
		want = actionSecurityCode
	}
	if req.Action != want {
		return badRequest("action", "this session expects the action %s", want)
	}
	in, err := a.captured(r.Context(), s, req.Result)
	if err != nil {
		if vault.CodeOf(err) == vault.CodeInvalid {
			if _, ferr := a.sessions.RecordSessionFailure(r.Context(), id, "invalid card data"); ferr != nil {
				a.log.WarnContext(r.Context(), "count failed session attempt", "err", ferr)
			}
		}
		return err
	}
	done, err := a.sessions.CompleteSession(r.Context(), id, in)
	if err != nil {
		return err
	}
	st, err := a.state(r, done)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, st)
	return nil
}

// unusable returns why a session cannot be completed, or nil when it can.
func unusable(s sessions.Session) error {
	switch s.State {
	case sessions.Pending:
		return nil
	case sessions.Expired:
		return &vault.Error{Code: vault.CodeExpired, Public: "the session has expired"}
	}
	return vault.Errorf(vault.CodeConflict, "the session is %s and cannot be used again", s.State)
}

// captured turns an action's result into what the session stores.
func (a *API) captured(ctx context.Context, s sessions.Session, raw json.RawMessage) (vault.CardInput, error) {
	if isNull(raw) {
		return vault.CardInput{}, badRequest("result", "result is required")
	}
	var res tokenizedData
	if err := json.Unmarshal(raw, &res); err != nil {
		return vault.CardInput{}, badRequest("result", "result must be an object with enc_payload")
	}
	p := res.payload
	switch {
	case res.EncPayload != nil:
		plain, err := decryptJWE(s.KeyMaterial, *res.EncPayload)
		if err != nil {
			return vault.CardInput{}, badRequest("result.enc_payload", "%s", err.Error())
		}
		p = payload{}
		if err := json.Unmarshal(plain, &p); err != nil {
			return vault.CardInput{}, badRequest("result.enc_payload", "the decrypted payload is not a card object")
		}
	case res.TokenID != nil:
		return vault.CardInput{}, badRequest("result.token_id", "cardvault stores the card itself: send enc_payload, not a token id")
	}
	if s.Purpose == sessions.SecurityCode {
		c, err := a.vault.GetCard(ctx, s.Tenant, s.CardID)
		if err != nil {
			return vault.CardInput{}, err
		}
		if isNull(p.SecurityCode) {
			return vault.CardInput{}, badRequest("security_code", "security_code is required")
		}
		code, err := parseSecurityCode(p.SecurityCode, "", c.Scheme)
		return vault.CardInput{SecurityCode: code}, err
	}
	in, err := p.input("")
	if err != nil {
		return vault.CardInput{}, err
	}
	if in.Holder == "" && !isNull(p.AdditionalData.CardholderName) {
		holder, _, err := parseString(p.AdditionalData.CardholderName, "additional_data.cardholder_name")
		if err != nil {
			return vault.CardInput{}, err
		}
		if in.Holder, err = card.ParseHolder(holder); err != nil {
			return vault.CardInput{}, badRequest("additional_data.cardholder_name", "cardholder_name: %s", reason(err))
		}
	}
	in.ExpiresAt, err = a.requestedExpiry(p)
	return in, err
}

// requestedExpiry is when the shopper asked the token to go: at
// expiration_date (at most 30 days ahead), or after ephemeralTokenTTL for an
// ephemeral token; zero when neither was asked. The merchant's own lifetime
// (expiration_time on the session) still caps it.
func (a *API) requestedExpiry(p payload) (time.Time, error) {
	now := a.vault.Now()
	s, ok, err := parseString(p.ExpirationDate, "expiration_date")
	if err != nil {
		return time.Time{}, err
	}
	if ok {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil || !t.After(now) {
			return time.Time{}, badRequest("expiration_date", "expiration_date must be an ISO-8601 time in the future")
		}
		if limit := now.Add(maxTokenLifetime * time.Second); t.After(limit) {
			t = limit
		}
		return t, nil
	}
	if p.Ephemeral != nil && *p.Ephemeral {
		return now.Add(ephemeralTokenTTL), nil
	}
	return time.Time{}, nil
}
