package pcivault

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/seal"
)

// pvCaptureData is what a pcivault_capture record holds.
//
// Security invariant: an endpoint keeps no passphrase and no secret. It
// holds its data key twice (seal.EndpointKey): sealed to the user's public
// key, which only the passphrase opens, and wrapped under a key derived from
// the endpoint secret, of which only a SHA-256 hash is kept. A request that
// presents the secret can therefore seal new data but read nothing.
type pvCaptureData struct {
	User            string      `json:"user"`
	UserID          string      `json:"user_id"`
	Info            []byte      `json:"info"`
	SealedToUser    []byte      `json:"sealed_to_user"`
	WrappedBySecret []byte      `json:"wrapped_by_secret"`
	SecretHash      []byte      `json:"secret_hash"`
	Lockdown        *pvLockdown `json:"lockdown,omitempty"`
	// Refused counts merges refused because their card number was not
	// the locked entry's; see MaxRefusedMerges.
	Refused int `json:"refused,omitempty"`
	// Captures counts the captures the endpoint has taken; see
	// Options.MaxCaptures.
	Captures int `json:"captures,omitempty"`
}

// pvLockdown names the one entry a locked-down endpoint updates.
type pvLockdown struct {
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

// pvCardLike matches what could be a card number: 12 or more digits, with
// single spaces or dashes between them. Capture ids, user names and
// references are stored in the clear and appear in URLs, logs and audit
// entries, so none may look like one.
var pvCardLike = regexp.MustCompile(`\d(?:[ -]?\d){11,}`)

// pvNotCardLike refuses a new user name or reference (named by field) that
// looks like a card number. Only names being created are checked: data
// stored before the check stays reachable by its name.
func pvNotCardLike(field, s string) error {
	if pvCardLike.MatchString(s) {
		return vault.Invalid(field, "%s must not look like a card number (12 or more digits in a row, spaces or dashes between them allowed)", field)
	}
	return nil
}

// pvReservedCaptureIDs are path segments under /v1/capture that name other
// resources (hosted forms), so no endpoint may take them.
var pvReservedCaptureIDs = map[string]bool{"iframe": true}

// CaptureInput describes a capture endpoint to create.
type CaptureInput struct {
	User       string
	Passphrase string
	// UniqueID is the caller's choice of id; empty picks a random one of
	// 22 URL-safe characters.
	UniqueID string
	// TTL is the endpoint's lifetime; zero means it never expires.
	TTL time.Duration
	// LockToken, when set, locks the endpoint to the entry with this token
	// and LockReference (resolved as a read would): data posted to it is
	// merged into that entry.
	LockToken     string
	LockReference string
}

// Capture is a capture endpoint as its owner sees it.
type Capture struct {
	ID     string
	Tenant string
	User   string
	// Secret is set only in CreateCapture's answer; the vault keeps a hash.
	Secret    string
	CreatedAt time.Time
	// ExpiresAt is zero for an endpoint that never expires.
	ExpiresAt time.Time
	// Lockdown names the entry a locked-down endpoint updates.
	Lockdown *EntryRef
}

// CreateCapture makes a capture endpoint for a user key, after checking the
// passphrase. The id is unique vault-wide: one in use (by any tenant, until
// it is deleted or its expired endpoint is cleaned) is a conflict.
func (p *Service) CreateCapture(ctx context.Context, tenant string, in CaptureInput) (Capture, error) {
	id := in.UniqueID
	if id == "" {
		id = seal.RandomID(22)
	} else if !objectid.Valid(id) || pvReservedCaptureIDs[id] || pvCardLike.MatchString(id) {
		return Capture{}, vault.Invalid("unique_id", "unique_id must be 1 to 64 letters, digits, '-' or '_', not a reserved word, and not look like a card number")
	}
	if in.TTL < 0 || in.TTL > MaxCaptureTTL {
		return Capture{}, vault.Invalid("ttl", "ttl must be between 0 (never expires) and %s", MaxCaptureTTL)
	}
	u, _, err := p.unlock(ctx, tenant, in.User, in.Passphrase)
	if err != nil {
		return Capture{}, err
	}
	var lock *pvLockdown
	if in.LockToken != "" {
		_, d, err := p.resolveEntry(ctx, p.s, tenant, u.rec.ID, in.LockToken, in.LockReference)
		if err != nil {
			return Capture{}, err
		}
		lock = &pvLockdown{Token: d.Token, Reference: d.Reference}
	} else if in.LockReference != "" {
		return Capture{}, vault.Invalid("token", "a reference to lock the endpoint to needs its token")
	}
	return p.newCapture(ctx, tenant, u, id, in.TTL, lock)
}

// newCapture stores a capture endpoint of user key u with id, expiring
// after ttl (zero: never) and locked to lock when set, and returns it with
// its secret. Only the user's public key is needed.
func (p *Service) newCapture(ctx context.Context, tenant string, u pvUser, id string, ttl time.Duration, lock *pvLockdown) (Capture, error) {
	secret := seal.NewSecret()
	info := seal.AAD{Tenant: tenant, Record: vault.KindCaptureEndpoint + "/" + id + "/" + seal.RandomID(16), Field: "endpoint-key"}.Bytes()
	ek, err := seal.NewEndpointKey(u.data.Public, secret, info)
	if err != nil {
		return Capture{}, err
	}
	now := p.s.Now()
	rec := vault.Stored[pvCaptureData]{Tenant: tenant, ID: id, CreatedAt: now,
		Value: pvCaptureData{User: u.name(), UserID: u.rec.ID, Info: info, SealedToUser: ek.SealedToUser,
			WrappedBySecret: ek.WrappedBySecret, SecretHash: seal.HashSecret(secret), Lockdown: lock}}
	if ttl > 0 {
		rec.ExpiresAt = now.Add(ttl)
	}
	// The user key is held while the endpoint is written, so a concurrent
	// DeleteUserKey either waits and then deletes the new endpoint too, or
	// has committed and the user key is not found.
	err = p.s.Tx(ctx, func(tx *vault.Service) error {
		if err := p.liveUser(ctx, tx, tenant, u, true); err != nil {
			return err
		}
		if userHeld != nil {
			userHeld()
		}
		var err error
		rec, err = captureRecords.Put(ctx, tx, rec)
		return err
	})
	if errors.Is(err, vault.ErrConflict) {
		return Capture{}, &vault.Error{Code: vault.CodeConflict, Field: "unique_id", Public: "this unique_id is already in use", Err: err}
	}
	if err != nil {
		return Capture{}, err
	}
	out := pvCaptureView(rec, pvCaptureData{User: u.name(), Lockdown: lock})
	out.Secret = secret
	return out, nil
}

// pvCaptureView renders an endpoint record without its key material.
func pvCaptureView(r vault.Stored[pvCaptureData], d pvCaptureData) Capture {
	c := Capture{ID: r.ID, Tenant: r.Tenant, User: d.User, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if d.Lockdown != nil {
		c.Lockdown = &EntryRef{User: d.User, Token: d.Lockdown.Token, Reference: d.Lockdown.Reference}
	}
	return c
}

// ListCaptures pages through a tenant's live capture endpoints in id order,
// of one user when user is set, without secrets; next is the cursor of the
// following page, or "" at the end.
func (p *Service) ListCaptures(ctx context.Context, tenant, user string, pg vault.Page) ([]Capture, string, error) {
	parent := ""
	if user != "" {
		u, err := p.loadUser(ctx, p.s, tenant, user)
		if err != nil {
			return nil, "", err
		}
		parent = u.rec.ID
	}
	recs, err := captureRecords.List(ctx, p.s, tenant, parent, pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]Capture, len(recs))
	for i, r := range recs {
		out[i] = pvCaptureView(r, r.Value)
	}
	return out, pvNext(recs, pg), nil
}

// DeleteCapture removes one of a tenant's capture endpoints, expired or not,
// which frees its id at once.
func (p *Service) DeleteCapture(ctx context.Context, tenant, id string) error {
	if !objectid.Valid(id) {
		return errPVNoCapture
	}
	err := captureRecords.Delete(ctx, p.s, tenant, id)
	if errors.Is(err, vault.ErrNotFound) {
		return errPVNoCapture
	}
	return err
}

var (
	errPVNoCapture = &vault.Error{Code: vault.CodeNotFound, Public: "no such capture endpoint (it may have expired or been deleted)"}
	errPVBadSecret = &vault.Error{Code: vault.CodeUnauthorized, Public: "wrong or missing capture secret"}
)

// capture loads a live endpoint and checks its secret in constant time.
func (p *Service) capture(ctx context.Context, id, secret string) (vault.Stored[pvCaptureData], pvCaptureData, error) {
	var none vault.Stored[pvCaptureData]
	if !objectid.Valid(id) {
		return none, pvCaptureData{}, errPVNoCapture
	}
	// The endpoint's id and secret are the credential: no tenant is known yet.
	rec, err := captureRecords.GetAnyTenant(ctx, p.s, id)
	if errors.Is(err, vault.ErrNotFound) {
		return none, pvCaptureData{}, errPVNoCapture
	}
	if err != nil {
		return none, pvCaptureData{}, err
	}
	if secret == "" || !seal.VerifySecret(secret, rec.Value.SecretHash) {
		return none, pvCaptureData{}, errPVBadSecret
	}
	return rec, rec.Value, nil
}

// CheckCapture returns a live capture endpoint whose secret is secret, for
// pages (hosted forms) that post to it: not_found when it is absent or
// expired, unauthorized when the secret is wrong.
func (p *Service) CheckCapture(ctx context.Context, id, secret string) (Capture, error) {
	rec, d, err := p.capture(ctx, id, secret)
	if err != nil {
		return Capture{}, err
	}
	return pvCaptureView(rec, d), nil
}
