package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// allScopes are the scopes the create form offers.
var allScopes = []vault.Scope{vault.ScopeCardsWrite, vault.ScopeCardsRead, vault.ScopeCardsReveal, vault.ScopeForward, vault.ScopeAdmin}

// keyRow is one key on the keys page.
type keyRow struct {
	ID, Name, Scopes          string
	Created, Expires, Revoked time.Time
	// LastUsed is when the key last authenticated a request (zero: never,
	// or unknown when Keys cannot tell); see vault.LastUsePrecision.
	LastUsed time.Time
	Active   bool
}

// lastUser tells when a key was last used; *vault.Service is one.
type lastUser interface {
	KeyLastUsed(ctx context.Context, tenant, id string) (time.Time, error)
}

// keysData is the keys page.
type keysData struct {
	Keys   []keyRow
	Scopes []vault.Scope
	// Created is the key just made, with its secret: shown this once.
	Created       *keyRow
	CreatedSecret string
}

// keysPage lists the tenant's keys.
func (c *Console) keysPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.showKeys(w, r, http.StatusOK, keysData{}, "")
	})
}

// showKeys renders the keys page with extra (a created key) and a message.
func (c *Console) showKeys(w http.ResponseWriter, r *http.Request, status int, d keysData, errMsg string) {
	ss := sessionFrom(r.Context())
	now := c.d.Now()
	for after := ""; len(d.Keys) < 1000; {
		page, err := c.d.Keys.ListAPIKeys(r.Context(), ss.principal.Tenant, vault.Page{After: after, Limit: 100})
		if err != nil {
			c.refuse(w, r, http.StatusServiceUnavailable, "The keys could not be listed; the store did not answer.")
			return
		}
		lu, _ := c.d.Keys.(lastUser)
		for _, k := range page {
			kr := row(k, now)
			if lu != nil {
				kr.LastUsed, _ = lu.KeyLastUsed(r.Context(), k.Tenant, k.ID)
			}
			d.Keys = append(d.Keys, kr)
		}
		if len(page) < 100 {
			break
		}
		after = page[len(page)-1].ID
	}
	d.Scopes = allScopes
	c.render(w, r, status, "keys", view{Title: "API keys", Nav: "keys", Error: errMsg, Data: d})
}

// row renders a key without its hash.
func row(k vault.APIKey, now time.Time) keyRow {
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	return keyRow{ID: k.ID, Name: k.Name, Scopes: strings.Join(scopes, ", "), Created: k.CreatedAt,
		Expires: k.ExpiresAt, Revoked: k.RevokedAt,
		Active: k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))}
}

// createKey makes a key and shows its secret once (no redirect: the page
// that shows it is not stored anywhere, Cache-Control: no-store).
func (c *Console) createKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		scopes, err := vault.ParseScopes(strings.Join(r.PostForm["scope"], ","))
		if err != nil || len(scopes) == 0 {
			c.showKeys(w, r, http.StatusBadRequest, keysData{}, "Choose at least one valid scope.")
			return
		}
		if ss.principal.CanGrant(scopes) != nil {
			c.showKeys(w, r, http.StatusForbidden, keysData{}, "Only a platform admin can grant platform:admin.")
			return
		}
		in := vault.NewAPIKey{Tenant: ss.principal.Tenant, Name: strings.TrimSpace(r.PostForm.Get("name")), Scopes: scopes}
		if ttl := r.PostForm.Get("ttl"); ttl != "" {
			d, err := time.ParseDuration(ttl)
			if err != nil || d <= 0 {
				c.showKeys(w, r, http.StatusBadRequest, keysData{}, "Expiry must be a duration such as 720h, or empty.")
				return
			}
			in.ExpiresAt = c.d.Now().Add(d)
		}
		k, secret, err := c.d.Keys.CreateAPIKey(r.Context(), in)
		if err != nil {
			c.showKeys(w, r, http.StatusBadRequest, keysData{}, "The key could not be created: "+vault.AsError(err).Public)
			return
		}
		if err := c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.key.create", nil, k.ID); err != nil {
			_ = c.d.Keys.RevokeAPIKey(r.Context(), ss.principal.Tenant, k.ID)
			c.showKeys(w, r, http.StatusInternalServerError, keysData{}, "The key could not be audited, so it was revoked at once.")
			return
		}
		created := row(k, c.d.Now())
		c.showKeys(w, r, http.StatusCreated, keysData{Created: &created, CreatedSecret: secret}, "")
	})
}

// revokeKey revokes a key of the operator's tenant.
func (c *Console) revokeKey() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := sessionFrom(r.Context())
		id := r.PathValue("id")
		if err := c.d.Keys.RevokeAPIKey(r.Context(), ss.principal.Tenant, id); err != nil {
			c.showKeys(w, r, http.StatusNotFound, keysData{}, "The key could not be revoked: "+vault.AsError(err).Public)
			return
		}
		if err := c.record(r, ss.principal.Tenant, ss.principal.KeyID, "console.key.revoke", nil, id); err != nil {
			c.showKeys(w, r, http.StatusInternalServerError, keysData{}, "The key was revoked, but the audit event could not be written.")
			return
		}
		http.Redirect(w, r, Prefix+"/keys", http.StatusSeeOther)
	})
}
