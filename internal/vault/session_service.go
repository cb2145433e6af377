package vault

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/cardvault/cardvault/internal/seal"
)

// errSessionNotFound answers unknown, malformed and purged session ids alike.
var errSessionNotFound = &Error{Code: CodeNotFound, Public: "session not found"}

// CreateSession starts a capture session and returns it with its secret
// id, which is shown only here.
func (s *Service) CreateSession(ctx context.Context, in NewSession) (Session, error) {
	now := s.Now()
	ttl := in.TTL
	if ttl == 0 {
		ttl = DefaultSessionTTL
	}
	switch {
	case ttl < 0 || ttl > MaxSessionTTL:
		return Session{}, Invalid("ttl", "a session lives between 1 second and %s", MaxSessionTTL)
	case in.TokenTTL < 0:
		return Session{}, Invalid("expires_in", "the token lifetime must be positive")
	}
	switch in.Purpose {
	case SessionTokenize:
		if in.CardID != "" {
			return Session{}, Invalid("card_id", "a tokenize session creates its card; it takes no card id")
		}
	case SessionSecurityCode:
		if _, err := uuid.Parse(in.CardID); err != nil {
			return Session{}, &Error{Code: CodeNotFound, Public: "card not found"}
		}
		if _, err := s.store.GetCard(ctx, in.Tenant, in.CardID, now); err != nil {
			return Session{}, notFound(err, "card not found")
		}
	default:
		return Session{}, Invalid("purpose", "unknown session purpose %q", in.Purpose)
	}
	if b, _ := json.Marshal(in.Metadata); len(b) > MaxMetadataSize {
		return Session{}, Invalid("metadata", "metadata must be at most %d bytes", MaxMetadataSize)
	}
	origins, err := sessionOrigins(in.AllowedOrigins)
	if err != nil {
		return Session{}, err
	}
	secret := seal.RandomID(sessionIDLen)
	id := sessionRecordID(secret)
	d := sessionData{Purpose: in.Purpose, State: SessionPending, CardID: in.CardID, Metadata: in.Metadata,
		TokenTTL: int64(in.TokenTTL / time.Second), Deadline: now.Add(ttl), origins: origins}
	if origins != nil {
		raw, err := json.Marshal(origins)
		if err != nil {
			return Session{}, err
		}
		if d.SealedOrigins, err = s.Seal(ctx, in.Tenant, id, fieldSessionOrigins, raw); err != nil {
			return Session{}, err
		}
	}
	if in.KeyMaterial != nil {
		if d.SealedKey, err = s.Seal(ctx, in.Tenant, id, fieldSessionKey, in.KeyMaterial); err != nil {
			return Session{}, err
		}
	}
	data, err := json.Marshal(d)
	if err != nil {
		return Session{}, err
	}
	r := Record{Tenant: in.Tenant, Kind: SessionKind, ID: id, Parent: in.CardID, Data: data, Version: 1,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: d.Deadline.Add(sessionRetention)}
	if err := s.store.CreateRecord(ctx, r); err != nil {
		return Session{}, domainErr(err)
	}
	out := sessionView(r, d, now)
	out.ID, out.KeyMaterial = secret, in.KeyMaterial
	return out, nil
}

// Session returns a session by its secret id, whatever its tenant, with its
// key material while it is pending. It is for the browser that completes
// the session, which holds no API key: the id is its credential.
func (s *Service) Session(ctx context.Context, secret string) (Session, error) {
	r, d, err := s.loadSession(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	out := sessionView(r, d, s.Now())
	out.ID = secret
	if out.State == SessionPending && d.SealedKey != nil {
		if out.KeyMaterial, err = s.Open(ctx, r.Tenant, r.ID, fieldSessionKey, d.SealedKey); err != nil {
			return Session{}, err
		}
	}
	return out, nil
}

// TenantSession returns a tenant's session by its secret id, without key
// material; another tenant's session is not found.
func (s *Service) TenantSession(ctx context.Context, tenant, secret string) (Session, error) {
	r, d, err := s.loadSession(ctx, secret)
	if err != nil {
		return Session{}, err
	}
	if r.Tenant != tenant {
		return Session{}, errSessionNotFound
	}
	out := sessionView(r, d, s.Now())
	out.ID = secret
	return out, nil
}

// RecordSessionFailure counts a rejected completion (bad card data, a
// payload that does not decrypt); the MaxSessionAttempts-th fails the
// session for good with reason. It returns the session as it now stands.
func (s *Service) RecordSessionFailure(ctx context.Context, secret, reason string) (Session, error) {
	for range 5 {
		r, d, err := s.loadSession(ctx, secret)
		if err != nil {
			return Session{}, err
		}
		now := s.Now()
		if st := sessionView(r, d, now).State; st != SessionPending {
			return sessionView(r, d, now), nil
		}
		d.Attempts++
		if d.Attempts >= MaxSessionAttempts {
			d.State, d.Reason, d.SealedKey = SessionFailed, reason, nil
		}
		if r.Data, err = json.Marshal(d); err != nil {
			return Session{}, err
		}
		r, err = s.store.UpdateRecord(ctx, r, now)
		if errors.Is(err, ErrConflict) {
			continue // another request moved the session on: look again
		}
		if err != nil {
			return Session{}, domainErr(err)
		}
		return sessionView(r, d, now), nil
	}
	return Session{}, Errorf(CodeConflict, "the session is busy; try again")
}

// loadSession reads a session record and decodes its data.
func (s *Service) loadSession(ctx context.Context, secret string) (Record, sessionData, error) {
	if !validSessionID(secret) {
		return Record{}, sessionData{}, errSessionNotFound
	}
	r, err := s.store.GetRecord(ctx, SessionKind, sessionRecordID(secret), s.Now())
	if errors.Is(err, ErrNotFound) {
		return Record{}, sessionData{}, errSessionNotFound
	}
	if err != nil {
		return Record{}, sessionData{}, err
	}
	var d sessionData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return Record{}, sessionData{}, fmt.Errorf("decode session: %w", err)
	}
	if d.SealedOrigins != nil {
		raw, err := s.Open(ctx, r.Tenant, r.ID, fieldSessionOrigins, d.SealedOrigins)
		if err != nil {
			return Record{}, sessionData{}, fmt.Errorf("open session origins: %w", err)
		}
		if err := json.Unmarshal(raw, &d.origins); err != nil {
			return Record{}, sessionData{}, fmt.Errorf("decode session origins: %w", err)
		}
	}
	return r, d, nil
}

// sessionView builds what readers see; a pending session past its
// deadline reads as expired.
func sessionView(r Record, d sessionData, now time.Time) Session {
	st := d.State
	if st == SessionPending && !now.Before(d.Deadline) {
		st = SessionExpired
	}
	return Session{Tenant: r.Tenant, Purpose: d.Purpose, State: st, CardID: d.CardID, Metadata: d.Metadata,
		TokenTTL: time.Duration(d.TokenTTL) * time.Second, Attempts: d.Attempts, Reason: d.Reason,
		CreatedAt: r.CreatedAt, ExpiresAt: d.Deadline, CompletedAt: d.CompletedAt, AllowedOrigins: d.origins}
}

// sessionUsable returns nil when a session can still be completed, or the
// error that says why not.
func sessionUsable(v Session) error {
	switch v.State {
	case SessionPending:
		return nil
	case SessionExpired:
		return &Error{Code: CodeExpired, Public: "the session has expired"}
	case SessionFailed:
		return Errorf(CodeConflict, "the session has failed and cannot be used again")
	}
	return Errorf(CodeConflict, "the session has already been completed and cannot be used again")
}
