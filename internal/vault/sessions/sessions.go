package sessions

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/vault"
)

// Service keeps capture sessions. It is safe for concurrent use.
type Service struct {
	v   *vault.Service
	log *slog.Logger
}

// New returns the sessions domain over the vault core v; log receives
// operational warnings (nil: slog.Default()).
func New(v *vault.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{v: v, log: log}
}

// errSessionNotFound answers unknown, malformed and purged session ids alike.
var errSessionNotFound = &vault.Error{Code: vault.CodeNotFound, Public: "session not found"}

// CreateSession starts a capture session and returns it with its secret
// id, which is shown only here.
func (s *Service) CreateSession(ctx context.Context, in Params) (Session, error) {
	now := s.v.Now()
	ttl := in.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	switch {
	case ttl < 0 || ttl > MaxTTL:
		return Session{}, vault.Invalid("ttl", "a session lives between 1 second and %s", MaxTTL)
	case in.TokenTTL < 0:
		return Session{}, vault.Invalid("expires_in", "the token lifetime must be positive")
	}
	switch in.Purpose {
	case Tokenize:
		if in.CardID != "" {
			return Session{}, vault.Invalid("card_id", "a tokenize session creates its card; it takes no card id")
		}
	case SecurityCode:
		if _, err := uuid.Parse(in.CardID); err != nil {
			return Session{}, &vault.Error{Code: vault.CodeNotFound, Public: "card not found"}
		}
		if _, err := s.v.GetCard(ctx, in.Tenant, in.CardID); err != nil {
			return Session{}, err
		}
	default:
		return Session{}, vault.Invalid("purpose", "unknown session purpose %q", in.Purpose)
	}
	if b, _ := json.Marshal(in.Metadata); len(b) > vault.MaxMetadataSize {
		return Session{}, vault.Invalid("metadata", "metadata must be at most %d bytes", vault.MaxMetadataSize)
	}
	origins, err := allowedOrigins(in.AllowedOrigins)
	if err != nil {
		return Session{}, err
	}
	secret := newSessionID()
	d := sessionData{Purpose: in.Purpose, State: Pending, CardID: in.CardID, Metadata: in.Metadata,
		TokenTTL: int64(in.TokenTTL / time.Second), Deadline: now.Add(ttl), Origins: origins, Key: in.KeyMaterial}
	r, err := sessionRecords.Put(ctx, s.v, vault.Stored[sessionData]{Tenant: in.Tenant, ID: sessionRecordID(secret),
		CreatedAt: now, ExpiresAt: d.Deadline.Add(sessionRetention), Value: d})
	if err != nil {
		return Session{}, vault.DomainError(err)
	}
	out := sessionView(r, now)
	out.ID, out.KeyMaterial = secret, in.KeyMaterial
	return out, nil
}

// allowedOrigins checks the origins a session's creator allows to frame its
// hosted form, as a hosted form's allowed origins are checked (see
// vault.ParseFormOrigin), and returns them normalised and without repeats;
// nil (only the vault itself may frame the form) when there are none.
func allowedOrigins(in []string) ([]string, error) {
	if len(in) > vault.MaxFormOrigins {
		return nil, vault.Invalid("allowed_origins", "at most %d allowed origins", vault.MaxFormOrigins)
	}
	var out []string
	for i, o := range in {
		norm, err := vault.ParseFormOrigin(o)
		if err != nil {
			return nil, vault.Invalid("allowed_origins", "allowed_origins[%d]: %s", i, vault.AsError(err).Public)
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	return out, nil
}

// Session returns a session by its secret id, whatever its tenant, with its
// key material while it is pending. It is for the browser that completes
// the session, which holds no API key: the id is its credential.
func (s *Service) Session(ctx context.Context, secret string) (Session, error) {
	r, err := s.load(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	out := sessionView(r, s.v.Now())
	out.ID = secret
	if out.State == Pending {
		out.KeyMaterial = r.Value.Key
	}
	return out, nil
}

// TenantSession returns a tenant's session by its secret id, without key
// material; another tenant's session is not found.
func (s *Service) TenantSession(ctx context.Context, tenant, secret string) (Session, error) {
	if !validSessionID(secret) {
		return Session{}, errSessionNotFound
	}
	r, err := sessionRecords.Get(ctx, s.v, tenant, sessionRecordID(secret))
	if errors.Is(err, vault.ErrNotFound) {
		return Session{}, errSessionNotFound
	}
	if err != nil {
		return Session{}, err
	}
	out := sessionView(r, s.v.Now())
	out.ID = secret
	return out, nil
}

// RecordSessionFailure counts a rejected completion (bad card data, a
// payload that does not decrypt); the MaxAttempts-th fails the session for
// good with reason. It returns the session as it now stands.
func (s *Service) RecordSessionFailure(ctx context.Context, secret, reason string) (Session, error) {
	for range 5 {
		r, err := s.load(ctx, secret)
		if err != nil {
			return Session{}, err
		}
		now := s.v.Now()
		if st := sessionView(r, now).State; st != Pending {
			return sessionView(r, now), nil
		}
		d := &r.Value
		d.Attempts++
		if d.Attempts >= MaxAttempts {
			d.State, d.Reason, d.Key = Failed, reason, nil
		}
		r, err = sessionRecords.Update(ctx, s.v, r)
		if errors.Is(err, vault.ErrConflict) {
			continue // another request moved the session on: look again
		}
		if err != nil {
			return Session{}, vault.DomainError(err)
		}
		return sessionView(r, now), nil
	}
	return Session{}, vault.Errorf(vault.CodeConflict, "the session is busy; try again")
}

// load reads a session by its secret id, whatever its tenant.
func (s *Service) load(ctx context.Context, secret string) (vault.Stored[sessionData], error) {
	if !validSessionID(secret) {
		return vault.Stored[sessionData]{}, errSessionNotFound
	}
	r, err := sessionRecords.GetAnyTenant(ctx, s.v, sessionRecordID(secret))
	if errors.Is(err, vault.ErrNotFound) {
		return r, errSessionNotFound
	}
	return r, err
}

// sessionView builds what readers see; a pending session past its
// deadline reads as expired.
func sessionView(r vault.Stored[sessionData], now time.Time) Session {
	d := r.Value
	st := d.State
	if st == Pending && !now.Before(d.Deadline) {
		st = Expired
	}
	return Session{Tenant: r.Tenant, Purpose: d.Purpose, State: st, CardID: d.CardID, Metadata: d.Metadata,
		TokenTTL: time.Duration(d.TokenTTL) * time.Second, Attempts: d.Attempts, Reason: d.Reason,
		CreatedAt: r.CreatedAt, ExpiresAt: d.Deadline, CompletedAt: d.CompletedAt, AllowedOrigins: d.Origins}
}

// usable returns nil when a session can still be completed, or the error
// that says why not.
func usable(v Session) error {
	switch v.State {
	case Pending:
		return nil
	case Expired:
		return &vault.Error{Code: vault.CodeExpired, Public: "the session has expired"}
	case Failed:
		return vault.Errorf(vault.CodeConflict, "the session has failed and cannot be used again")
	}
	return vault.Errorf(vault.CodeConflict, "the session has already been completed and cannot be used again")
}
