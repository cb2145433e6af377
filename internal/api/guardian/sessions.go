package guardian

import (
	"net/http"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
)

// The session endpoints are what @starfish-codes/hellgate calls from the
// shopper's browser: GET {base_url}/sessions/{id} and POST
// {base_url}/sessions/{id}/complete-action. They take no API key (the
// session id is the credential) and answer any origin (CORS "*", never
// with credentials).

// sessionState is the SDK's SessionStateDTO: a next action with its data
// while the session is pending, or (next_action null) the final result.
type sessionState struct {
	NextAction *string `json:"next_action"`
	Status     string  `json:"status,omitempty"`
	Data       any     `json:"data"`
}

// tokenizeCardConfig is the data of a tokenize_card state (TokenizeCardConfig).
type tokenizeCardConfig struct {
	Provider string `json:"provider"`
	APIKey   string `json:"api_key"`
	BaseURL  string `json:"base_url"`
	JWK      jwk    `json:"jwk"`
}

// maskedCard is the data of a refresh_security_code state (TokenizedCardMaskedData).
type maskedCard struct {
	LastFour string `json:"account_number_last_four"`
	Length   int    `json:"account_number_length"`
	IIN      string `json:"issuer_identification_number"`
	Month    int    `json:"expiry_month"`
	Year     int    `json:"expiry_year"`
	Scheme   string `json:"scheme"`
	JWK      jwk    `json:"jwk"`
}

// resultData is the data of a final state (CompleteActionResult.data).
type resultData struct {
	TokenID    string `json:"token_id,omitempty"`
	Reason     string `json:"reason,omitempty"`
	ReasonCode string `json:"reason_code,omitempty"`
}

// Next actions of a pending session.
const (
	actionTokenize     = "tokenize_card"
	actionSecurityCode = "refresh_security_code"
)

// browserSession answers the session's state: GET /sessions/{id}.
func (a *API) browserSession(w http.ResponseWriter, r *http.Request) error {
	s, err := a.sessions.Session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := a.state(r, s)
	if err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, st)
	return nil
}

// state renders a session as the SDK expects it. An expired session is
// not found, which the SDK reports as "doesn't exist or has expired".
func (a *API) state(r *http.Request, s sessions.Session) (sessionState, error) {
	switch s.State {
	case sessions.Completed:
		return sessionState{Status: "success", Data: resultData{TokenID: s.CardID}}, nil
	case sessions.Failed:
		return sessionState{Status: "failure", Data: resultData{Reason: s.Reason, ReasonCode: "SESSION_FAILED"}}, nil
	case sessions.Expired:
		return sessionState{}, &vault.Error{Code: vault.CodeExpired, Public: "the session has expired"}
	}
	key, err := publicJWK(s.KeyMaterial)
	if err != nil {
		return sessionState{}, err
	}
	if s.Purpose == sessions.SecurityCode {
		c, err := a.vault.GetCard(r.Context(), s.Tenant, s.CardID)
		if err != nil {
			return sessionState{}, err
		}
		next := actionSecurityCode
		return sessionState{NextAction: &next, Data: maskedCard{LastFour: c.Last4, Length: c.Length, IIN: c.BIN,
			Month: c.Expiry.Month, Year: c.Expiry.Year, Scheme: sdkScheme(c.Scheme), JWK: key}}, nil
	}
	next := actionTokenize
	return sessionState{NextAction: &next, Data: tokenizeCardConfig{Provider: "guardian", APIKey: "",
		BaseURL: a.baseURL(r), JWK: key}}, nil
}

// sdkScheme names a scheme as the SDK's card fields do (CARD_SCHEMAS).
func sdkScheme(s card.Scheme) string {
	return strings.ReplaceAll(scheme(s), " ", "-")
}

// merchantSessionResponse is a session as the merchant reads it.
type merchantSessionResponse struct {
	SessionID   string     `json:"session_id"`
	Status      string     `json:"status"`
	Purpose     string     `json:"purpose"`
	TokenID     string     `json:"token_id,omitempty"`
	Reason      string     `json:"failure_reason,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// merchantSession lets the session's creator follow it and, once it is
// complete, learn its token: GET /api/sessions/{id}.
func (a *API) merchantSession(w http.ResponseWriter, r *http.Request) error {
	s, err := a.sessions.TenantSession(r.Context(), server.Principal(r).Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := merchantSessionResponse{SessionID: s.ID, Status: string(s.State), Purpose: string(s.Purpose),
		Reason: s.Reason, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt}
	if s.State == sessions.Completed || s.Purpose == sessions.SecurityCode {
		out.TokenID = s.CardID
	}
	if !s.CompletedAt.IsZero() {
		out.CompletedAt = &s.CompletedAt
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// cors lets any origin call a browser route, without credentials.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next.ServeHTTP(w, r)
	})
}

// preflight answers a CORS preflight for the browser routes.
func preflight() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

// hideSessionID replaces the session id in the request's path before the
// handler runs, so that the access log, which prints the path, never sees
// the secret. The handler still reads it with PathValue.
func hideSessionID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.PathValue("id"); id != "" {
			r.URL.Path = strings.Replace(r.URL.Path, id, "{session_id}", 1)
			r.URL.RawPath = ""
		}
		next.ServeHTTP(w, r)
	})
}
