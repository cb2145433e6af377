package tsp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cardvault/cardvault/internal/vault"
)

// Storage keeps a provider's tokens, cryptograms and events. Lookups are
// tenant-bound (another tenant's record answers vault.ErrNotFound), and
// the two writes that race across nodes are atomic: UpdateToken is a
// compare-and-set on Version, UseCryptogram marks a cryptogram used only
// if it was unused. A store-backed implementation seals DPANs and
// cryptogram values as it seals PANs.
type Storage interface {
	// CreateToken stores a new token (Version 1) and its lifecycle event,
	// both or neither.
	CreateToken(ctx context.Context, t Token, e Event) error
	// Token returns the tenant's token, or an error wrapping vault.ErrNotFound.
	Token(ctx context.Context, tenant, id string) (Token, error)
	// UpdateToken replaces the token and records its event, both or
	// neither, if the stored Version is t.Version-1; else it returns an
	// error wrapping vault.ErrConflict.
	UpdateToken(ctx context.Context, t Token, e Event) error
	// CreateCryptogram stores a new, unused cryptogram.
	CreateCryptogram(ctx context.Context, c Cryptogram) error
	// UseCryptogram marks the tenant's cryptogram used at at and returns it
	// as it was before; vault.ErrConflict (wrapped, with the record) when
	// it was already used, vault.ErrNotFound when there is none.
	UseCryptogram(ctx context.Context, tenant, reference string, at time.Time) (Cryptogram, error)
	// Events lists the tenant's events with an ID greater than after,
	// oldest first.
	Events(ctx context.Context, tenant, after string, limit int) ([]Event, error)
}

// MemoryStorage is a Storage in memory, for tests and a single process.
type MemoryStorage struct {
	mu          sync.Mutex
	tokens      map[[2]string]Token
	cryptograms map[[2]string]Cryptogram
	events      []Event
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage {
	return &MemoryStorage{tokens: map[[2]string]Token{}, cryptograms: map[[2]string]Cryptogram{}}
}

var _ Storage = (*MemoryStorage)(nil)

// CreateToken implements Storage.
func (m *MemoryStorage) CreateToken(_ context.Context, t Token, e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{t.Tenant, t.ID}
	if _, ok := m.tokens[k]; ok {
		return fmt.Errorf("token: %w", vault.ErrConflict)
	}
	m.tokens[k] = t
	m.appendEvent(e)
	return nil
}

// Token implements Storage.
func (m *MemoryStorage) Token(_ context.Context, tenant, id string) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[[2]string{tenant, id}]
	if !ok {
		return Token{}, fmt.Errorf("token: %w", vault.ErrNotFound)
	}
	return t, nil
}

// UpdateToken implements Storage.
func (m *MemoryStorage) UpdateToken(_ context.Context, t Token, e Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{t.Tenant, t.ID}
	old, ok := m.tokens[k]
	switch {
	case !ok:
		return fmt.Errorf("token: %w", vault.ErrNotFound)
	case old.Version != t.Version-1:
		return fmt.Errorf("token version: %w", vault.ErrConflict)
	}
	m.tokens[k] = t
	m.appendEvent(e)
	return nil
}

// CreateCryptogram implements Storage.
func (m *MemoryStorage) CreateCryptogram(_ context.Context, c Cryptogram) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{c.Tenant, c.Reference}
	if _, ok := m.cryptograms[k]; ok {
		return fmt.Errorf("cryptogram: %w", vault.ErrConflict)
	}
	m.cryptograms[k] = c
	return nil
}

// UseCryptogram implements Storage.
func (m *MemoryStorage) UseCryptogram(_ context.Context, tenant, reference string, at time.Time) (Cryptogram, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{tenant, reference}
	c, ok := m.cryptograms[k]
	switch {
	case !ok:
		return Cryptogram{}, fmt.Errorf("cryptogram: %w", vault.ErrNotFound)
	case c.UsedAt != nil:
		return c, fmt.Errorf("cryptogram used: %w", vault.ErrConflict)
	}
	used := c
	used.UsedAt = &at
	m.cryptograms[k] = used
	return c, nil
}

// appendEvent adds an event, assigning its ID; m.mu is held.
func (m *MemoryStorage) appendEvent(e Event) {
	e.ID = fmt.Sprintf("%020d", len(m.events)+1)
	m.events = append(m.events, e)
}

// Events implements Storage.
func (m *MemoryStorage) Events(_ context.Context, tenant, after string, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for _, e := range m.events {
		if e.Tenant == tenant && e.ID > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}
