package client

import (
	"context"
	"time"
)

// Scopes an API key may carry.
const (
	ScopeCardsWrite  = "cards:write"
	ScopeCardsRead   = "cards:read"
	ScopeCardsReveal = "cards:reveal"
	ScopeForward     = "forward"
	ScopeAdmin       = "admin"
	// ScopePlatformAdmin manages every tenant; admin does not include it.
	ScopePlatformAdmin = "platform:admin"
)

// KeyInput is an API key to create in the caller's tenant.
type KeyInput struct {
	Name      string     `json:"name,omitempty"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Key is an API key as the vault lists it: never its secret.
type Key struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// LastUsedAt is when the key last authenticated a request (a use on
	// another vault node shows within a minute); nil if never.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// CreatedKey is a new key with its secret, which the vault shows only once.
type CreatedKey struct {
	Key
	Secret string `json:"secret"`
}

// KeyList is one page of keys.
type KeyList struct {
	Items []Key `json:"items"`
}

// CreateKey creates an API key (scope admin). Keep the returned Secret:
// the vault stores only its hash.
func (c *Client) CreateKey(ctx context.Context, in KeyInput) (CreatedKey, error) {
	var out CreatedKey
	err := c.do(ctx, "POST", "/keys", in, &out)
	return out, err
}

// ListKeys returns one page of the tenant's keys (scope admin).
func (c *Client) ListKeys(ctx context.Context, p Page) (KeyList, error) {
	var out KeyList
	err := c.do(ctx, "GET", "/keys"+p.query(), nil, &out)
	return out, err
}

// RevokeKey revokes an API key at once (scope admin).
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/keys/"+escape(id), nil, nil)
}
