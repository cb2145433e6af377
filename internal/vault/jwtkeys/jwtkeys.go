// Package jwtkeys keeps the public keys merchants sign JWTs with (Gr4vy's
// SDKs authenticate with ES512 JWTs) and the uses of those JWTs, on the
// vault core's typed records: it is the store-backed KeyStore and
// ReplayCache of internal/jwtauth.
//
// A key is a sealed, tenant-bound record whose id is the key's RFC 7638
// thumbprint, the "kid" every token names. Ids are unique per kind across
// the vault, so one public key authenticates exactly one tenant; JWTKey
// finds a key by kid whatever its tenant because the kid is what a token
// presents, and the signature check that follows is what proves the
// caller holds the private half. The vault never sees, and never keeps,
// a private key.
//
// A use is a record keyed "kid/jti" that lives until the token expires:
// the store's unique key makes a second use of a jti conflict, on this
// node or any other sharing the store.
package jwtkeys

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/jwtauth"
	"github.com/cardvault/cardvault/internal/vault"
)

// MaxNameLen bounds a key's name.
const MaxNameLen = 100

// Key is a registered public key.
type Key struct {
	// ID is the key's RFC 7638 thumbprint, the kid of the tokens it signs.
	ID     string
	Tenant string
	// Name is the operator's label for the key, or "".
	Name string
	// Public is the P-521 public key.
	Public    *ecdsa.PublicKey
	CreatedAt time.Time
}

// keyData is a key record's value.
type keyData struct {
	Name string `json:"name,omitempty"`
	// PublicKey is the PEM "PUBLIC KEY" block.
	PublicKey string `json:"public_key"`
}

// useData is a use record's value: nothing but its clear key and expiry.
type useData struct {
	Key string `json:"key"`
}

// Record types of this domain.
var (
	keyRecords = vault.NewRecordType[keyData](vault.KindJWTKey, 1, nil, nil)
	useRecords = vault.NewRecordType(vault.KindJWTUse, 1, func(d *useData) string { return d.Key }, nil)
)

// Service registers keys and remembers token uses on a vault.
type Service struct{ v *vault.Service }

// New returns the service over v.
func New(v *vault.Service) *Service { return &Service{v: v} }

var (
	_ jwtauth.KeyStore    = (*Service)(nil)
	_ jwtauth.ReplayCache = (*Service)(nil)
)

// Add registers pub for tenant. A key registered before, for this tenant
// or another, is a conflict: one key authenticates one tenant.
func (s *Service) Add(ctx context.Context, tenant, name string, pub *ecdsa.PublicKey) (Key, error) {
	if len(name) > MaxNameLen || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
		return Key{}, vault.Invalid("name", "name must be at most %d printable characters", MaxNameLen)
	}
	kid, err := jwtauth.Thumbprint(pub)
	if err != nil {
		return Key{}, vault.Invalid("public_key", "the key is not an EC P-521 public key")
	}
	pemBytes, err := jwtauth.MarshalPublicKeyPEM(pub)
	if err != nil {
		return Key{}, fmt.Errorf("jwtkeys: marshal: %w", err)
	}
	r, err := keyRecords.Put(ctx, s.v, vault.Stored[keyData]{Tenant: tenant, ID: kid,
		Value: keyData{Name: name, PublicKey: string(pemBytes)}})
	if errors.Is(err, vault.ErrConflict) {
		return Key{}, &vault.Error{Code: vault.CodeConflict, Public: "this public key is already registered", Err: err}
	}
	if err != nil {
		return Key{}, err
	}
	return Key{ID: kid, Tenant: tenant, Name: name, Public: pub, CreatedAt: r.CreatedAt}, nil
}

// open turns a key record into a Key.
func open(r vault.Stored[keyData]) (Key, error) {
	pub, err := jwtauth.ParsePublicKeyPEM([]byte(r.Value.PublicKey))
	if err != nil {
		return Key{}, fmt.Errorf("jwtkeys: stored key %s: %w", r.ID, err)
	}
	return Key{ID: r.ID, Tenant: r.Tenant, Name: r.Value.Name, Public: pub, CreatedAt: r.CreatedAt}, nil
}

// List pages through the tenant's keys in id order.
func (s *Service) List(ctx context.Context, tenant string, p vault.Page) ([]Key, error) {
	rs, err := keyRecords.List(ctx, s.v, tenant, "", p)
	if err != nil {
		return nil, err
	}
	out := make([]Key, 0, len(rs))
	for _, r := range rs {
		k, err := open(r)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// Delete removes the tenant's key; tokens it signed stop working at once.
// Another tenant's key is not found.
func (s *Service) Delete(ctx context.Context, tenant, kid string) error {
	err := keyRecords.Delete(ctx, s.v, tenant, kid)
	if errors.Is(err, vault.ErrNotFound) {
		return &vault.Error{Code: vault.CodeNotFound, Public: "no such JWT key", Err: err}
	}
	return err
}

// JWTKey implements jwtauth.KeyStore: the key whose thumbprint is kid,
// whatever its tenant (the kid is what the token presents).
func (s *Service) JWTKey(ctx context.Context, kid string) (jwtauth.Key, error) {
	r, err := keyRecords.GetAnyTenant(ctx, s.v, kid)
	if err != nil {
		return jwtauth.Key{}, err
	}
	k, err := open(r)
	if err != nil {
		return jwtauth.Key{}, err
	}
	return jwtauth.Key{ID: "jwt:" + k.ID, Tenant: k.Tenant, Public: k.Public}, nil
}

// Remember implements jwtauth.ReplayCache: it creates the use record of id
// (kid and jti) for the tenant until expires, and reports false when the
// record exists, created by this node or another.
func (s *Service) Remember(ctx context.Context, tenant, id string, expires time.Time) (bool, error) {
	key := strings.Replace(id, "\x00", "/", 1)
	if !expires.After(s.v.Now()) {
		return true, nil // already expired: the verifier refuses it anyway
	}
	_, err := useRecords.Put(ctx, s.v, vault.Stored[useData]{Tenant: tenant, ID: uuid.Must(uuid.NewV7()).String(),
		Value: useData{Key: key}, ExpiresAt: expires})
	if errors.Is(err, vault.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}
