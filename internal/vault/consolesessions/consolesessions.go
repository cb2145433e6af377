// Package consolesessions keeps the operator console's sign-in sessions in
// the store, sealed and bound like every record, so that any node can serve
// any request of a session: no sticky sessions behind a load balancer, and
// a restart signs nobody out.
//
// The browser holds a random 256-bit secret; the record's id is its
// SHA-256, so a copy of the store cannot be replayed as cookies. The
// record's value (principal, CSRF token, times) is sealed under the
// tenant's data key and bound to its id and expiry: a writer to the store
// who moves a session to another tenant or extends its life makes it fail
// to open. A session ends after Options.TTL without use or Options.Max
// after sign-in, whichever comes first.
package consolesessions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// Session is a signed-in operator.
type Session struct {
	Principal vault.Principal `json:"principal"`
	// CSRF is the token every form post of the session must carry.
	CSRF     string    `json:"csrf"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// records are the stored sessions. The record outlives the session by
// grace, so that a browser coming back late is told its session expired
// (and the refusal audited) rather than sent to sign in as a stranger.
var records = vault.NewRecordType[Session](vault.KindConsoleSession, 1, nil, nil)

// grace is how long an ended session's record stays to say so.
const grace = time.Hour

// touchEvery bounds the store writes of a busy session: its last use is
// written at most once a minute, so idle expiry is that precise.
const touchEvery = time.Minute

// Options are the session lifetimes; zero values take the defaults.
type Options struct {
	// TTL is how long a session lives without use (default 30m).
	TTL time.Duration
	// Max is how long a session lives at most (default 8h).
	Max time.Duration
}

// Service stores console sessions in the vault's store.
type Service struct {
	v *vault.Service
	o Options
}

// New returns the session store over v.
func New(v *vault.Service, o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = 30 * time.Minute
	}
	if o.Max <= 0 {
		o.Max = 8 * time.Hour
	}
	return &Service{v: v, o: o}
}

// id is the record id of a cookie value.
func id(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Create starts a session for p and returns the secret the browser keeps.
func (s *Service) Create(ctx context.Context, p vault.Principal) (string, Session, error) {
	now := s.v.Now().UTC()
	secret := seal.NewSecret()
	ss := Session{Principal: p, CSRF: seal.NewSecret(), Created: now, LastSeen: now}
	_, err := records.Put(ctx, s.v, vault.Stored[Session]{Tenant: p.Tenant, ID: id(secret), Value: ss,
		ExpiresAt: now.Add(s.o.Max + grace)})
	if err != nil {
		return "", Session{}, err
	}
	return secret, ss, nil
}

// ErrExpired means the session existed but has ended (and is now gone).
var ErrExpired = errors.New("console session expired")

// Get returns the live session of secret and notes its use. An unknown
// secret is vault.ErrNotFound; a session past its idle or total lifetime
// is deleted and returned with ErrExpired, so the caller can say who it was.
func (s *Service) Get(ctx context.Context, secret string) (Session, error) {
	if secret == "" {
		return Session{}, vault.ErrNotFound
	}
	r, err := records.GetAnyTenant(ctx, s.v, id(secret))
	if err != nil {
		return Session{}, err
	}
	ss, now := r.Value, s.v.Now().UTC()
	// The sealed principal must name the record's tenant: the record's
	// binding already makes a moved record fail to open.
	if ss.Principal.Tenant != r.Tenant {
		return Session{}, vault.ErrNotFound
	}
	if now.Sub(ss.LastSeen) > s.o.TTL || now.Sub(ss.Created) > s.o.Max {
		_ = records.DeleteIfPresent(ctx, s.v, r.Tenant, r.ID)
		return ss, ErrExpired
	}
	if now.Sub(ss.LastSeen) >= touchEvery {
		r.Value.LastSeen = now
		// Another node may have touched it just now: either write is as good.
		if _, err := records.Update(ctx, s.v, r); err != nil && !errors.Is(err, vault.ErrConflict) {
			return Session{}, err
		}
		ss.LastSeen = now
	}
	return ss, nil
}

// End signs a session out; an unknown secret is not an error.
func (s *Service) End(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	r, err := records.GetAnyTenant(ctx, s.v, id(secret))
	if errors.Is(err, vault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return records.DeleteIfPresent(ctx, s.v, r.Tenant, r.ID)
}
