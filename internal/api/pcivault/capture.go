package pcivault

import (
	"net/http"
	"time"

	"github.com/cardvault/cardvault/internal/server"
	"github.com/cardvault/cardvault/internal/vault"
	pv "github.com/cardvault/cardvault/internal/vault/pcivault"
)

// captureResponse is a capture endpoint: Secret only when it is created.
type captureResponse struct {
	URL      string `json:"url"`
	UniqueID string `json:"unique_id"`
	Secret   string `json:"secret,omitempty"`
	User     string `json:"user,omitempty"`
	// ExpiresAt is RFC 3339 in UTC, or null for an endpoint that never expires.
	ExpiresAt *string       `json:"expires_at"`
	CreatedAt string        `json:"created_at,omitempty"`
	Lockdown  *lockdownInfo `json:"lockdown_info,omitempty"`
	// Warning, a cardvault addition, says when seed 001's advice is not
	// followed: a locked-down endpoint living longer than 24 hours.
	Warning string `json:"warning,omitempty"`
}

// lockedTTLWarning is seed 001's advice, given when an endpoint locked down
// to a card lives longer than pv.LockedTTLAdvice or never expires.
const lockedTTLWarning = "it is not recommended to make an endpoint used for card updates have a longer TTL than 24 hours"

// lockdownInfo names the entry a locked-down endpoint updates.
type lockdownInfo struct {
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

func captureView(c pv.Capture) captureResponse {
	out := captureResponse{URL: Prefix + "/capture/" + c.ID, UniqueID: c.ID, Secret: c.Secret}
	if !c.ExpiresAt.IsZero() {
		s := c.ExpiresAt.UTC().Format(time.RFC3339)
		out.ExpiresAt = &s
	}
	if c.Lockdown != nil {
		out.Lockdown = &lockdownInfo{Token: c.Lockdown.Token, Reference: c.Lockdown.Reference}
	}
	return out
}

// createCapture makes a capture endpoint: POST /v1/capture?user=&passphrase=
// [&ttl=][&unique_id=][&token=[&reference=]].
func (a *API) createCapture(w http.ResponseWriter, r *http.Request) error {
	if err := unsupported(r, "rules", "smart_parse"); err != nil {
		return err
	}
	q := r.URL.Query()
	ttl := pv.DefaultCaptureTTL
	if s := q.Get("ttl"); s != "" {
		d, err := ParseTTL(s)
		if err != nil {
			return vault.Invalid("ttl", "ttl %s is not a duration: use Go (45m, 2h), ISO-8601 (PT10M, P1D) or seconds (3600); 0 or P0T never expires", quoted(s))
		}
		ttl = d
	}
	c, err := a.pci.CreateCapture(r.Context(), server.Principal(r).Tenant, pv.CaptureInput{User: q.Get("user"),
		Passphrase: q.Get("passphrase"), UniqueID: q.Get("unique_id"), TTL: ttl,
		LockToken: q.Get("token"), LockReference: q.Get("reference")})
	if err != nil {
		return err
	}
	if err := a.record(r, "pcivault.capture.create", c.User, c.ID); err != nil {
		return err
	}
	out := captureView(c)
	if c.Lockdown != nil && (ttl == 0 || ttl > pv.LockedTTLAdvice) {
		out.Warning = lockedTTLWarning
		a.log.WarnContext(r.Context(), "pcivault locked-down capture endpoint lives longer than 24 hours",
			"request_id", server.RequestIDFrom(r.Context()), "tenant", c.Tenant,
			"capture_id", server.RedactDigits(c.ID), "ttl", ttl.String())
	}
	server.Encode(w, http.StatusOK, out)
	return nil
}

// listCaptures lists the account's live endpoints, without secrets:
// GET /v1/capture[?user=].
func (a *API) listCaptures(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	cs, next, err := a.pci.ListCaptures(r.Context(), server.Principal(r).Tenant, r.URL.Query().Get("user"), pg)
	if err != nil {
		return err
	}
	out := make([]captureResponse, len(cs))
	for i, c := range cs {
		out[i] = captureView(c)
		out[i].User = c.User
		out[i].CreatedAt = c.CreatedAt.UTC().Format(time.RFC3339)
	}
	setNext(w, next)
	server.Encode(w, http.StatusOK, out)
	return nil
}

// deleteCapture removes an endpoint: DELETE /v1/capture/{id}, or
// DELETE /v1/capture?unique_id=.
func (a *API) deleteCapture(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "" {
		id = r.URL.Query().Get("unique_id")
	}
	if id == "" {
		return vault.Invalid("unique_id", "unique_id is required")
	}
	if err := a.pci.DeleteCapture(r.Context(), server.Principal(r).Tenant, id); err != nil {
		return err
	}
	if err := a.record(r, "pcivault.capture.delete", id); err != nil {
		return err
	}
	server.Encode(w, http.StatusOK, map[string]any{"unique_id": id, "deleted": true})
	return nil
}
