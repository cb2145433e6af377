package vault

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"time"

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
	// the locked entry's; see PCIMaxRefusedMerges.
	Refused int `json:"refused,omitempty"`
	// Captures counts the captures the endpoint has taken; see
	// PCIVaultOptions.MaxCaptures.
	Captures int `json:"captures,omitempty"`
}

// pvLockdown names the one entry a locked-down endpoint updates.
type pvLockdown struct {
	Token     string `json:"token"`
	Reference string `json:"reference"`
}

// pvCaptureIDPattern is what a capture endpoint id may look like: it
// appears in a URL path.
var pvCaptureIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

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
		return Invalid(field, "%s must not look like a card number (12 or more digits in a row, spaces or dashes between them allowed)", field)
	}
	return nil
}

// pvReservedCaptureIDs are path segments under /v1/capture that name other
// resources (hosted forms), so no endpoint may take them.
var pvReservedCaptureIDs = map[string]bool{"iframe": true}

// PCICaptureInput describes a capture endpoint to create.
type PCICaptureInput struct {
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

// PCICapture is a capture endpoint as its owner sees it.
type PCICapture struct {
	ID     string
	Tenant string
	User   string
	// Secret is set only in CreateCapture's answer; the vault keeps a hash.
	Secret    string
	CreatedAt time.Time
	// ExpiresAt is zero for an endpoint that never expires.
	ExpiresAt time.Time
	// Lockdown names the entry a locked-down endpoint updates.
	Lockdown *PCIEntryRef
}

// CreateCapture makes a capture endpoint for a user key, after checking the
// passphrase. The id is unique vault-wide: one in use (by any tenant, until
// it is deleted or its expired endpoint is cleaned) is a conflict.
func (p *PCIVault) CreateCapture(ctx context.Context, tenant string, in PCICaptureInput) (PCICapture, error) {
	id := in.UniqueID
	if id == "" {
		id = seal.RandomID(22)
	} else if !pvCaptureIDPattern.MatchString(id) || pvReservedCaptureIDs[id] || pvCardLike.MatchString(id) {
		return PCICapture{}, Invalid("unique_id", "unique_id must be 1 to 64 letters, digits, '-' or '_', not a reserved word, and not look like a card number")
	}
	if in.TTL < 0 || in.TTL > PCIMaxCaptureTTL {
		return PCICapture{}, Invalid("ttl", "ttl must be between 0 (never expires) and %s", PCIMaxCaptureTTL)
	}
	u, _, err := p.unlock(ctx, tenant, in.User, in.Passphrase)
	if err != nil {
		return PCICapture{}, err
	}
	var lock *pvLockdown
	if in.LockToken != "" {
		_, d, err := p.resolveEntry(ctx, p.s.store, tenant, u.rec.ID, in.LockToken, in.LockReference)
		if err != nil {
			return PCICapture{}, err
		}
		lock = &pvLockdown{Token: d.Token, Reference: d.Reference}
	} else if in.LockReference != "" {
		return PCICapture{}, Invalid("token", "a reference to lock the endpoint to needs its token")
	}
	secret := seal.NewSecret()
	info := seal.AAD{Tenant: tenant, Record: PCIKindCapture + "/" + id + "/" + seal.RandomID(16), Field: "endpoint-key"}.Bytes()
	ek, err := seal.NewEndpointKey(u.data.Public, secret, info)
	if err != nil {
		return PCICapture{}, err
	}
	data, err := json.Marshal(pvCaptureData{User: u.name(), UserID: u.rec.ID, Info: info, SealedToUser: ek.SealedToUser,
		WrappedBySecret: ek.WrappedBySecret, SecretHash: seal.HashSecret(secret), Lockdown: lock})
	if err != nil {
		return PCICapture{}, err
	}
	now := p.s.Now()
	rec := Record{Tenant: tenant, Kind: PCIKindCapture, ID: id, Parent: u.rec.ID, Data: data, Version: 1,
		CreatedAt: now, UpdatedAt: now}
	if in.TTL > 0 {
		rec.ExpiresAt = now.Add(in.TTL)
	}
	if err := p.s.store.CreateRecord(ctx, rec); err != nil {
		if errors.Is(err, ErrConflict) {
			return PCICapture{}, &Error{Code: CodeConflict, Field: "unique_id", Public: "this unique_id is already in use", Err: err}
		}
		return PCICapture{}, err
	}
	out := pvCaptureView(rec, pvCaptureData{User: u.name(), Lockdown: lock})
	out.Secret = secret
	return out, nil
}

// pvCaptureView renders an endpoint record without its key material.
func pvCaptureView(r Record, d pvCaptureData) PCICapture {
	c := PCICapture{ID: r.ID, Tenant: r.Tenant, User: d.User, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	if d.Lockdown != nil {
		c.Lockdown = &PCIEntryRef{User: d.User, Token: d.Lockdown.Token, Reference: d.Lockdown.Reference}
	}
	return c
}

// ListCaptures pages through a tenant's live capture endpoints in id order,
// of one user when user is set, without secrets; next is the cursor of the
// following page, or "" at the end.
func (p *PCIVault) ListCaptures(ctx context.Context, tenant, user string, pg Page) ([]PCICapture, string, error) {
	q := RecordQuery{Tenant: tenant, Kind: PCIKindCapture, Page: pg}
	if user != "" {
		u, err := p.loadUser(ctx, p.s.store, tenant, user)
		if err != nil {
			return nil, "", err
		}
		q.Parent = u.rec.ID
	}
	recs, err := p.s.store.ListRecords(ctx, q, p.s.Now())
	if err != nil {
		return nil, "", err
	}
	out := make([]PCICapture, len(recs))
	for i, r := range recs {
		var d pvCaptureData
		if err := pvDecode(r, &d); err != nil {
			return nil, "", err
		}
		out[i] = pvCaptureView(r, d)
	}
	return out, pvNext(recs, pg), nil
}

// DeleteCapture removes one of a tenant's capture endpoints, expired or not,
// which frees its id at once.
func (p *PCIVault) DeleteCapture(ctx context.Context, tenant, id string) error {
	if !pvCaptureIDPattern.MatchString(id) {
		return errPVNoCapture
	}
	err := p.s.store.DeleteRecord(ctx, tenant, PCIKindCapture, id)
	if errors.Is(err, ErrNotFound) {
		return errPVNoCapture
	}
	return err
}

var (
	errPVNoCapture = &Error{Code: CodeNotFound, Public: "no such capture endpoint (it may have expired or been deleted)"}
	errPVBadSecret = &Error{Code: CodeUnauthorized, Public: "wrong or missing capture secret"}
)

// capture loads a live endpoint and checks its secret in constant time.
func (p *PCIVault) capture(ctx context.Context, id, secret string) (Record, pvCaptureData, error) {
	if !pvCaptureIDPattern.MatchString(id) {
		return Record{}, pvCaptureData{}, errPVNoCapture
	}
	rec, err := p.s.store.GetRecord(ctx, PCIKindCapture, id, p.s.Now())
	if errors.Is(err, ErrNotFound) {
		return Record{}, pvCaptureData{}, errPVNoCapture
	}
	if err != nil {
		return Record{}, pvCaptureData{}, err
	}
	var d pvCaptureData
	if err := pvDecode(rec, &d); err != nil {
		return Record{}, pvCaptureData{}, err
	}
	if secret == "" || !seal.VerifySecret(secret, d.SecretHash) {
		return Record{}, pvCaptureData{}, errPVBadSecret
	}
	return rec, d, nil
}

// CheckCapture returns a live capture endpoint whose secret is secret, for
// pages (hosted forms) that post to it: not_found when it is absent or
// expired, unauthorized when the secret is wrong.
func (p *PCIVault) CheckCapture(ctx context.Context, id, secret string) (PCICapture, error) {
	rec, d, err := p.capture(ctx, id, secret)
	if err != nil {
		return PCICapture{}, err
	}
	return pvCaptureView(rec, d), nil
}
