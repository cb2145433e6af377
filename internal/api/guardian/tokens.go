package guardian

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vault/sessions"
)

// createRequest is the body of POST /api/pci/tokens.
type createRequest struct {
	Source         json.RawMessage `json:"source"`
	ExpirationTime json.RawMessage `json:"expiration_time"`
	ExpiresIn      json.RawMessage `json:"expires_in"`
	Metadata       json.RawMessage `json:"metadata"`
}

// source is a token's source: its type beside the card data of a pan source
// or, for a session source, the origins that may frame its form (a
// cardvault extension, see parseAllowedOrigins).
type source struct {
	Type           string          `json:"type"`
	AllowedOrigins json.RawMessage `json:"allowed_origins"`
	cardFields
}

// sessionResponse answers a session source and a security-code refresh.
type sessionResponse struct {
	SessionID string `json:"session_id"`
}

// createToken stores a card (pan source) or starts a capture session
// (session source): POST /api/pci/tokens.
func (a *API) createToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := server.Decode[createRequest](r, false)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		lifetime, err := parseLifetime(req.ExpirationTime, req.ExpiresIn, maxTokenLifetime)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		md, err := parseMetadata(req.Metadata)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if isNull(req.Source) {
			a.fail(w, r, badRequest("source", "source is required, with type pan or session"))
			return
		}
		var src source
		if err := json.Unmarshal(req.Source, &src); err != nil {
			a.fail(w, r, badRequest("source", "source must be an object with a type (pan or session)"))
			return
		}
		tenant := principal(r).Tenant
		switch src.Type {
		case "session", "":
			origins, err := parseAllowedOrigins(src.AllowedOrigins)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			s, err := a.sessions.CreateSession(r.Context(), sessions.Params{Tenant: tenant, Purpose: sessions.Tokenize,
				Metadata: md, TokenTTL: time.Duration(lifetime) * time.Second, KeyMaterial: newSessionKey(), AllowedOrigins: origins})
			if err != nil {
				a.fail(w, r, err)
				return
			}
			server.Encode(w, http.StatusOK, sessionResponse{SessionID: s.ID})
		case "pan":
			if !isNull(src.AllowedOrigins) {
				a.fail(w, r, badRequest("source.allowed_origins", "source.allowed_origins is for a session source"))
				return
			}
			in, err := src.input("source.")
			if err != nil {
				a.fail(w, r, err)
				return
			}
			in.Metadata = md
			if lifetime > 0 {
				in.ExpiresAt = a.vault.Now().Add(time.Duration(lifetime) * time.Second)
			}
			c, err := a.vault.CreateCard(r.Context(), tenant, in)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			server.Encode(w, http.StatusOK, tokenView(c))
		default:
			a.fail(w, r, badRequest("source.type", "unknown source type %q; use pan or session", clip(src.Type)))
		}
	})
}

// tokenID reads and checks the {id} path value: a UUID, or a 400.
func tokenID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	return id, checkUUID(id, "id")
}

// getToken returns a masked token: GET /api/pci/tokens/{id}.
func (a *API) getToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := tokenID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		c, err := a.vault.GetCard(r.Context(), principal(r).Tenant, id)
		if err != nil {
			a.fail(w, r, tokenNotFound(err))
			return
		}
		server.Encode(w, http.StatusOK, tokenView(c))
	})
}

// deleteToken removes a token and any security code held for it:
// DELETE /api/pci/tokens/{id}.
func (a *API) deleteToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := tokenID(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if err := a.vault.DeleteCard(r.Context(), principal(r).Tenant, id); err != nil {
			a.fail(w, r, tokenNotFound(err))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// listResponse is a page of a list with the link to the next one.
type listResponse[T any] struct {
	Data  []T   `json:"data"`
	Links links `json:"links"`
}

// links holds the next page's absolute URL; it is absent on the last page.
type links struct {
	Next string `json:"next,omitempty"`
}

// listTokens pages through masked tokens in id order (keyset, so pages are
// stable while tokens come and go): GET /api/pci/tokens?after=&limit=.
func (a *API) listTokens() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := page(r, true)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		cards, err := a.vault.ListCards(r.Context(), principal(r).Tenant, p)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		out := listResponse[tokenResponse]{Data: make([]tokenResponse, len(cards))}
		for i, c := range cards {
			out.Data[i] = tokenView(c)
		}
		if len(cards) == p.Limit {
			out.Links.Next = nextURL(r, cards[len(cards)-1].ID, p.Limit)
		}
		server.Encode(w, http.StatusOK, out)
	})
}

// page reads ?limit= (1..100, default 20) and ?after= (a UUID when uuidAfter).
func page(r *http.Request, uuidAfter bool) (vault.Page, error) {
	q := r.URL.Query()
	p := vault.Page{After: q.Get("after"), Limit: 20}
	if s := q.Get("limit"); s != "" || q.Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return p, badRequest("limit", "limit must be a whole number from 1 to 100")
		}
		p.Limit = n
	}
	if p.After != "" && uuidAfter {
		if err := checkUUID(p.After, "after"); err != nil {
			return p, err
		}
	}
	if len(p.After) > 200 {
		return p, badRequest("after", "after is too long")
	}
	return p, nil
}

// nextURL is the absolute URL of the page after the item with id last.
func nextURL(r *http.Request, last string, limit int) string {
	q := url.Values{"after": {last}, "limit": {strconv.Itoa(limit)}}
	return baseURL(r) + r.URL.Path + "?" + q.Encode()
}

// baseURL is the scheme and host the client used to reach the vault.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// tokenNotFound names the token in a not-found error.
func tokenNotFound(err error) error {
	if vault.CodeOf(err) == vault.CodeNotFound {
		return &vault.Error{Code: vault.CodeNotFound, Public: "token not found", Err: err}
	}
	return err
}
