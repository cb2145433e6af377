package vault

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// Idempotency limits.
const (
	// IdempotencyTTL is how long a key and its response are kept.
	IdempotencyTTL = 24 * time.Hour
	// MaxIdempotencyKeyLen bounds a client's key.
	MaxIdempotencyKeyLen = 255
	// idemLease is how long a claim stays in progress before another request
	// may take it over (the first one's node died mid-request).
	idemLease = time.Minute
	// idemPoll is how often a request waiting for an in-progress key looks again.
	idemPoll = 20 * time.Millisecond
	// macIdemRequest separates request hashes from every other keyed hash.
	macIdemRequest = "idempotency-request"
)

// Errors a claim can fail with; both come wrapped in an *Error (conflict).
var (
	// ErrIdempotencyMismatch means the key was used before with another request.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInProgress means the first request with the key is still running.
	ErrIdempotencyInProgress = errors.New("idempotency key in progress")
)

// IdempotentResponse is a response kept for replay. It must hold no card
// data; it is sealed at rest all the same.
type IdempotentResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// IdempotencyClaim is the outcome of claiming a key: either a stored
// response to replay, or the right to do the work and then Finish (or
// Release) the claim.
type IdempotencyClaim struct {
	// Replay, when not nil, is the first request's response: send it as it
	// is and do nothing else.
	Replay *IdempotentResponse
	rec    Stored[idemData]
}

// idemData is an idempotency record's value.
type idemData struct {
	// Key is the client's idempotency key, the record's lookup key.
	Key string `json:"key"`
	// Hash identifies the request (method, path, body): a replay must match
	// it. It is keyed (the tenant's index key over the caller's hash), since
	// the body it stands for can hold card data: a plain hash of a
	// tokenize request could be searched for its card number and code.
	Hash        []byte    `json:"hash"`
	Done        bool      `json:"done"`
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
	Status      int       `json:"status,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	// Body is the response body.
	Body []byte `json:"body,omitempty"`
}

// idempotencyKeys are the idempotency records.
var idempotencyKeys = NewRecordType(KindIdempotency, 1, func(d *idemData) string { return d.Key }, nil)

// ValidIdempotencyKey checks a client's key: 1 to MaxIdempotencyKeyLen
// printable ASCII characters.
func ValidIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return Invalid("x-idempotency-key", "the idempotency key must be 1 to %d characters", MaxIdempotencyKeyLen)
	}
	for i := range len(key) {
		if key[i] < 0x21 || key[i] > 0x7e {
			return Invalid("x-idempotency-key", "the idempotency key must be printable ASCII without spaces")
		}
	}
	return nil
}

// ClaimIdempotencyKey claims a tenant's key for a request identified by
// hash (e.g. SHA-256 of method, path and body). Keys are kept in the store,
// so they hold across nodes; two concurrent claims of one key: one wins,
// the other waits up to wait for the first response and replays it. A key
// used with another hash fails with ErrIdempotencyMismatch; one still in
// progress after wait with ErrIdempotencyInProgress. The store keeps only a
// keyed hash of hash.
func (s *Service) ClaimIdempotencyKey(ctx context.Context, tenant, key string, hash []byte, wait time.Duration) (*IdempotencyClaim, error) {
	if err := ValidIdempotencyKey(key); err != nil {
		return nil, err
	}
	mac, err := s.MAC(ctx, tenant, macIdemRequest, hex.EncodeToString(hash))
	if err != nil {
		return nil, err
	}
	hash = []byte(mac)
	giveUp := time.Now().Add(wait)
	for {
		now := s.Now()
		rec, err := idempotencyKeys.Put(ctx, s, Stored[idemData]{Tenant: tenant, ID: "idem_" + seal.RandomID(24),
			CreatedAt: now, ExpiresAt: now.Add(IdempotencyTTL), Value: idemData{Key: key, Hash: hash, LeaseUntil: now.Add(idemLease)}})
		if err == nil {
			return &IdempotencyClaim{rec: rec}, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, domainErr(err)
		}
		claim, err := s.existingClaim(ctx, tenant, key, hash, now)
		if claim != nil || err != nil {
			return claim, err
		}
		if time.Now().After(giveUp) {
			return nil, &Error{Code: CodeConflict, Err: ErrIdempotencyInProgress,
				Public: "a request with this idempotency key is still in progress; retry later"}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(idemPoll):
		}
	}
}

// existingClaim looks at the record holding key: a replay, a mismatch, a
// stale claim taken over, or (nil, nil) to wait and look again.
func (s *Service) existingClaim(ctx context.Context, tenant, key string, hash []byte, now time.Time) (*IdempotencyClaim, error) {
	rec, err := idempotencyKeys.ByKey(ctx, s, tenant, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // released or expired meanwhile: claim again
	}
	if err != nil {
		return nil, domainErr(err)
	}
	d := rec.Value
	if subtle.ConstantTimeCompare(d.Hash, hash) != 1 {
		return nil, &Error{Code: CodeConflict, Err: ErrIdempotencyMismatch,
			Public: "this idempotency key was already used with a different request"}
	}
	if d.Done {
		return &IdempotencyClaim{Replay: &IdempotentResponse{Status: d.Status, ContentType: d.ContentType, Body: d.Body}}, nil
	}
	if now.Before(d.LeaseUntil) {
		return nil, nil
	}
	// The first request's node stopped without finishing: take the key over.
	rec.Value.LeaseUntil = now.Add(idemLease)
	rec, err = idempotencyKeys.Update(ctx, s, rec)
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, domainErr(err)
	}
	return &IdempotencyClaim{rec: rec}, nil
}

// FinishIdempotencyKey stores the response of a claimed request for replay.
func (s *Service) FinishIdempotencyKey(ctx context.Context, c *IdempotencyClaim, resp IdempotentResponse) error {
	if c == nil || c.Replay != nil {
		return errors.New("finish idempotency key: not a claim")
	}
	rec := c.rec
	d := &rec.Value
	d.Done, d.LeaseUntil, d.Status, d.ContentType, d.Body = true, time.Time{}, resp.Status, resp.ContentType, resp.Body
	_, err := idempotencyKeys.Update(ctx, s, rec)
	return domainErr(err)
}

// ReleaseIdempotencyKey gives a claimed key up without a response (the
// work failed in a way worth retrying), so that the next request with the
// key does the work again.
func (s *Service) ReleaseIdempotencyKey(ctx context.Context, c *IdempotencyClaim) error {
	if c == nil || c.Replay != nil {
		return nil
	}
	err := idempotencyKeys.Delete(ctx, s, c.rec.Tenant, c.rec.ID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return domainErr(err)
}
