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
func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	req, err := server.Decode[createRequest](r, false)
	if err != nil {
		return err
	}
	lifetime, err := parseLifetime(req.ExpirationTime, req.ExpiresIn, maxTokenLifetime)
	if err != nil {
		return err
	}
	md, err := parseMetadata(req.Metadata)
	if err != nil {
		return err
	}
	src, err := decodeSource[source](req.Source, "pan or session")
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	switch src.Type {
	case "session", "":
		origins, err := parseAllowedOrigins(src.AllowedOrigins)
		if err != nil {
			return err
		}
		s, err := a.sessions.CreateSession(r.Context(), sessions.Params{Tenant: tenant, Purpose: sessions.Tokenize,
			Metadata: md, TokenTTL: time.Duration(lifetime) * time.Second, KeyMaterial: newSessionKey(), AllowedOrigins: origins})
		if err != nil {
			return err
		}
		server.Encode(w, http.StatusOK, sessionResponse{SessionID: s.ID})
	case "pan":
		if !isNull(src.AllowedOrigins) {
			return badRequest("source.allowed_origins", "source.allowed_origins is for a session source")
		}
		in, err := src.input("source.")
		if err != nil {
			return err
		}
		in.Metadata = md
		if lifetime > 0 {
			in.ExpiresAt = a.vault.Now().Add(time.Duration(lifetime) * time.Second)
		}
		c, err := a.vault.CreateCard(r.Context(), tenant, in)
		if err != nil {
			return err
		}
		server.Encode(w, http.StatusOK, tokenView(c))
	default:
		return badRequest("source.type", "unknown source type %q; use pan or session", clip(src.Type))
	}
	return nil
}

// tokenID reads and checks the {id} path value: a UUID, or a 400.
func tokenID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	return id, checkUUID(id, "id")
}

// getToken returns a masked token: GET /api/pci/tokens/{id}.
func (a *API) getToken(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	c, err := a.vault.GetCard(r.Context(), server.Principal(r).Tenant, id)
	if err != nil {
		return tokenNotFound(err)
	}
	server.Encode(w, http.StatusOK, tokenView(c))
	return nil
}

// deleteToken removes a token, any security code held for it, and
// deletes its network tokens at the network:
// DELETE /api/pci/tokens/{id}.
func (a *API) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := tokenID(r)
	if err != nil {
		return err
	}
	tenant := server.Principal(r).Tenant
	// The network tokens go first: when that fails the card is still
	// there and a retry deletes both, where the other order would leave
	// live network tokens behind a card already gone (a retry is a 404).
	if a.network != nil {
		if err := a.network.DeleteCard(r.Context(), tenant, id); err != nil {
			return err
		}
	}
	if err := a.vault.DeleteCard(r.Context(), tenant, id); err != nil {
		return tokenNotFound(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listResponse is a page of a list with the link to the next one.
type listResponse[T any] struct {
	Data  []T   `json:"data"`
	Links links `json:"links"`
}

// links holds the next page's absolute URL. The document requires it on
// every page, so the last page has one too: it reads an empty page.
type links struct {
	Next string `json:"next"`
}

// listTokens pages through masked tokens in id order (keyset, so pages are
// stable while tokens come and go): GET /api/pci/tokens?after=&limit=.
func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r, true)
	if err != nil {
		return err
	}
	cards, err := a.vault.ListCards(r.Context(), server.Principal(r).Tenant, p)
	if err != nil {
		return err
	}
	out := listResponse[tokenResponse]{Data: make([]tokenResponse, len(cards))}
	for i, c := range cards {
		out.Data[i] = tokenView(c)
	}
	last := ""
	if len(cards) > 0 {
		last = cards[len(cards)-1].ID
	}
	out.Links.Next = a.nextURL(r, p, last)
	server.Encode(w, http.StatusOK, out)
	return nil
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

// nextURL is the absolute URL of the page after the item with id last, or
// after p's own cursor when the page was empty (last == "").
func (a *API) nextURL(r *http.Request, p vault.Page, last string) string {
	if last == "" {
		last = p.After
	}
	q := url.Values{"limit": {strconv.Itoa(p.Limit)}}
	if last != "" {
		q.Set("after", last)
	}
	return a.baseURL(r) + r.URL.Path + "?" + q.Encode()
}

// tokenNotFound names the token in a not-found error.
func tokenNotFound(err error) error {
	if vault.CodeOf(err) == vault.CodeNotFound {
		return &vault.Error{Code: vault.CodeNotFound, Public: "token not found", Err: err}
	}
	return err
}
