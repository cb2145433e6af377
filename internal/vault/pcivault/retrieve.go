package pcivault

import (
	"context"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/objectid"
	"github.com/cardvault/cardvault/internal/seal"
	"github.com/cardvault/cardvault/internal/vault"
)

// retrieveRecords are retrieve endpoints: a capture endpoint in reverse.
// The id is the endpoint's unique id, vault-wide; the parent is its user
// record's id, so deleting a key deletes its retrieve endpoints.
var retrieveRecords = vault.NewRecordType(vault.KindRetrieveEndpoint, 1, nil, func(d *pvRetrieveData) string { return d.UserID })

// Limits of retrieve endpoints.
const (
	// DefaultRetrieveTTL is the lifetime of a retrieve endpoint created
	// without one.
	DefaultRetrieveTTL = time.Hour
	// MaxRetrieveTTL is the longest: a retrieve endpoint always expires.
	MaxRetrieveTTL = 24 * time.Hour
)

// pvRetrieveData is what a retrieve_endpoint record holds.
//
// Security invariant: the copy of the entry is sealed (AES-256-GCM, bound
// to tenant and endpoint id) under a data key that is stored only wrapped
// by a key derived from the endpoint secret (seal.EndpointKey), of which
// only a SHA-256 hash is kept; the record as a whole is sealed again by the
// record API. Without the secret, neither the store nor the account can
// open it; with it, exactly this one copy opens, once.
type pvRetrieveData struct {
	User            string `json:"user"`
	UserID          string `json:"user_id"`
	Token           string `json:"token"`
	Reference       string `json:"reference"`
	Info            []byte `json:"info"`
	SealedToUser    []byte `json:"sealed_to_user"`
	WrappedBySecret []byte `json:"wrapped_by_secret"`
	SecretHash      []byte `json:"secret_hash"`
	Sealed          []byte `json:"sealed"`
}

// RetrieveInput describes a retrieve endpoint to create.
type RetrieveInput struct {
	User, Passphrase string
	// Token and Reference name the entry, resolved as a read would.
	Token, Reference string
	// UniqueID is the caller's choice of id; empty picks 22 random
	// URL-safe characters.
	UniqueID string
	// TTL is the endpoint's lifetime, 1 s to MaxRetrieveTTL; zero means
	// DefaultRetrieveTTL.
	TTL time.Duration
}

// Retrieval is a retrieve endpoint as its owner sees it.
type Retrieval struct {
	ID, Tenant, User, Token, Reference string
	// Secret is set only in CreateRetrieve's answer; the vault keeps a hash.
	Secret    string
	ExpiresAt time.Time
}

var (
	errPVNoRetrieve  = &vault.Error{Code: vault.CodeNotFound, Public: "no such retrieve endpoint (it may have been read, expired or been deleted)"}
	errPVBadRetrieve = &vault.Error{Code: vault.CodeUnauthorized, Public: "wrong or missing retrieve secret"}
)

// CreateRetrieve makes a retrieve endpoint for one entry of a user key,
// after checking the passphrase: a copy of the entry as RevealEntry
// returns it, which a holder of the returned secret can read once, before
// the endpoint expires, without the passphrase. Callers check the reveal
// scope and audit. The id is unique vault-wide, as capture ids are.
func (p *Service) CreateRetrieve(ctx context.Context, tenant string, in RetrieveInput) (Retrieval, error) {
	id := in.UniqueID
	if id == "" {
		id = seal.RandomID(22)
	} else if !objectid.Valid(id) || pvCardLike.MatchString(id) {
		return Retrieval{}, vault.Invalid("unique_id", "unique_id must be 1 to 64 letters, digits, '-' or '_', and not look like a card number")
	}
	ttl := in.TTL
	if ttl == 0 {
		ttl = DefaultRetrieveTTL
	}
	if ttl < time.Second || ttl > MaxRetrieveTTL {
		return Retrieval{}, vault.Invalid("ttl", "ttl of a retrieve endpoint must be between 1 second and %s: it always expires", MaxRetrieveTTL)
	}
	ref, data, err := p.RevealEntry(ctx, tenant, in.User, in.Passphrase, in.Token, in.Reference)
	if err != nil {
		return Retrieval{}, err
	}
	u, err := p.loadUser(ctx, p.s, tenant, in.User)
	if err != nil {
		return Retrieval{}, err
	}
	secret := seal.NewSecret()
	info := seal.AAD{Tenant: tenant, Record: vault.KindRetrieveEndpoint + "/" + id + "/" + seal.RandomID(16), Field: "endpoint-key"}.Bytes()
	ek, err := seal.NewEndpointKey(u.data.Public, secret, info)
	if err != nil {
		return Retrieval{}, err
	}
	sealer, err := ek.SealerFromSecret(secret, info)
	if err != nil {
		return Retrieval{}, err
	}
	sealed, err := sealer.Seal(data, pvRetrieveAAD(tenant, id))
	if err != nil {
		return Retrieval{}, err
	}
	now := p.s.Now()
	rec := vault.Stored[pvRetrieveData]{Tenant: tenant, ID: id, CreatedAt: now, ExpiresAt: now.Add(ttl),
		Value: pvRetrieveData{User: ref.User, UserID: u.rec.ID, Token: ref.Token, Reference: ref.Reference, Info: info,
			SealedToUser: ek.SealedToUser, WrappedBySecret: ek.WrappedBySecret, SecretHash: seal.HashSecret(secret), Sealed: sealed}}
	if _, err := retrieveRecords.Put(ctx, p.s, rec); errors.Is(err, vault.ErrConflict) {
		return Retrieval{}, &vault.Error{Code: vault.CodeConflict, Field: "unique_id", Public: "this unique_id is already in use", Err: err}
	} else if err != nil {
		return Retrieval{}, err
	}
	return Retrieval{ID: id, Tenant: tenant, User: ref.User, Token: ref.Token, Reference: ref.Reference,
		Secret: secret, ExpiresAt: rec.ExpiresAt}, nil
}

func pvRetrieveAAD(tenant, id string) seal.AAD {
	return seal.AAD{Tenant: tenant, Record: vault.KindRetrieveEndpoint + "/" + id, Field: "data"}
}

// Retrieve reads a retrieve endpoint's copy with its secret (compared in
// constant time) and deletes the endpoint: the first read that presents
// the right secret gets the data, every later one not_found. A wrong
// secret is unauthorized and changes nothing. The Retrieval names the
// tenant, user, token and reference, for the audit.
func (p *Service) Retrieve(ctx context.Context, id, secret string) (Retrieval, []byte, error) {
	if !objectid.Valid(id) {
		return Retrieval{}, nil, errPVNoRetrieve
	}
	// The id and secret are the credential: no tenant is known yet.
	rec, err := retrieveRecords.GetAnyTenant(ctx, p.s, id)
	if errors.Is(err, vault.ErrNotFound) {
		return Retrieval{}, nil, errPVNoRetrieve
	}
	if err != nil {
		return Retrieval{}, nil, err
	}
	d := rec.Value
	if secret == "" || !seal.VerifySecret(secret, d.SecretHash) {
		return Retrieval{}, nil, errPVBadRetrieve
	}
	ek := seal.EndpointKey{SealedToUser: d.SealedToUser, WrappedBySecret: d.WrappedBySecret}
	sealer, err := ek.SealerFromSecret(secret, d.Info)
	if err != nil {
		return Retrieval{}, nil, err
	}
	data, err := sealer.Open(d.Sealed, pvRetrieveAAD(rec.Tenant, rec.ID))
	if err != nil {
		return Retrieval{}, nil, err
	}
	// Deleting is the claim: of two reads at once, one deletes, the other
	// finds nothing to delete and gets not_found.
	if err := retrieveRecords.Delete(ctx, p.s, rec.Tenant, rec.ID); errors.Is(err, vault.ErrNotFound) {
		return Retrieval{}, nil, errPVNoRetrieve
	} else if err != nil {
		return Retrieval{}, nil, err
	}
	return Retrieval{ID: rec.ID, Tenant: rec.Tenant, User: d.User, Token: d.Token, Reference: d.Reference, ExpiresAt: rec.ExpiresAt}, data, nil
}

// DeleteRetrieve removes one of a tenant's retrieve endpoints before it is
// read.
func (p *Service) DeleteRetrieve(ctx context.Context, tenant, id string) error {
	if !objectid.Valid(id) {
		return errPVNoRetrieve
	}
	if err := retrieveRecords.Delete(ctx, p.s, tenant, id); errors.Is(err, vault.ErrNotFound) {
		return errPVNoRetrieve
	} else if err != nil {
		return err
	}
	return nil
}

// dropRetrieves deletes, inside tx, the retrieve endpoints of a user's
// token (and reference, when set): deleted data is not retrievable.
func (p *Service) dropRetrieves(ctx context.Context, tx *vault.Service, tenant, userID, token, reference string) error {
	recs, err := retrieveRecords.All(ctx, tx, tenant, userID)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if r.Value.Token == token && (reference == "" || r.Value.Reference == reference) {
			if err := retrieveRecords.DeleteIfPresent(ctx, tx, tenant, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
