package vault

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/seal"
)

// PCIUser is a user key as listers see it: never its key material.
type PCIUser struct {
	Name      string
	CreatedAt time.Time
}

// pvUserData is what a pcivault_user record holds: the public key in the
// clear, the private key wrapped under the passphrase-derived key, and the
// Argon2id parameters that derive it. Nothing in it opens data without the
// passphrase.
type pvUserData struct {
	Public         []byte `json:"public"`
	WrappedPrivate []byte `json:"wrapped_private"`
	KDF            pvKDF  `json:"kdf"`
}

// pvKDF records the Argon2id parameters of one wrap.
type pvKDF struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
	Salt      []byte `json:"salt"`
}

// pvUser is a loaded user key.
type pvUser struct {
	rec  Record
	data pvUserData
}

func (u pvUser) name() string { return u.rec.Key }

func (u pvUser) userKey() seal.UserKey {
	k := u.data.KDF
	return seal.UserKey{Public: u.data.Public, WrappedPrivate: u.data.WrappedPrivate,
		KDF: seal.KDFParams{Time: k.Time, MemoryKiB: k.MemoryKiB, Threads: k.Threads, Salt: k.Salt}}
}

func pvUserDataOf(k seal.UserKey) pvUserData {
	return pvUserData{Public: k.Public, WrappedPrivate: k.WrappedPrivate,
		KDF: pvKDF{Time: k.KDF.Time, MemoryKiB: k.KDF.MemoryKiB, Threads: k.KDF.Threads, Salt: k.KDF.Salt}}
}

var (
	errPVUnknownUser     = &Error{Code: CodeNotFound, Public: "unknown user"}
	errPVWrongPassphrase = &Error{Code: CodeUnauthorized, Public: "wrong passphrase"}
)

// pvValidUser checks a user (key name): 1 to PCIMaxUserLen bytes of valid
// UTF-8 without control characters.
func pvValidUser(user string) error {
	switch {
	case user == "":
		return Invalid("user", "user is required")
	case len(user) > PCIMaxUserLen:
		return Invalid("user", "user must be at most %d bytes", PCIMaxUserLen)
	case !utf8.ValidString(user) || strings.IndexFunc(user, unicode.IsControl) >= 0:
		return Invalid("user", "user must be text without control characters")
	}
	return nil
}

// pvValidPassphrase checks a new passphrase: at least PCIMinPassphrase
// characters, at most PCIMaxPassphrase bytes.
func pvValidPassphrase(field, pass string) error {
	switch {
	case !utf8.ValidString(pass):
		return Invalid(field, "%s must be valid UTF-8", field)
	case utf8.RuneCountInString(pass) < PCIMinPassphrase:
		return Invalid(field, "%s must be at least %d characters", field, PCIMinPassphrase)
	case len(pass) > PCIMaxPassphrase:
		return Invalid(field, "%s must be at most %d bytes", field, PCIMaxPassphrase)
	}
	return nil
}

// CreateUserKey makes a key pair for user and wraps its private half under
// passphrase; when passphrase is empty one is generated and returned (the
// only time it is shown). An existing user is a conflict; a user name that
// looks like a card number is invalid.
func (p *PCIVault) CreateUserKey(ctx context.Context, tenant, user, passphrase string) (PCIUser, string, error) {
	if err := pvValidUser(user); err != nil {
		return PCIUser{}, "", err
	}
	if err := pvNotCardLike("user", user); err != nil {
		return PCIUser{}, "", err
	}
	generated := ""
	if passphrase == "" {
		generated = seal.NewSecret()
		passphrase = generated
	}
	if err := pvValidPassphrase("passphrase", passphrase); err != nil {
		return PCIUser{}, "", err
	}
	if _, err := p.s.keysFor(ctx, tenant); err != nil {
		return PCIUser{}, "", err
	}
	if _, err := p.s.store.RecordByKey(ctx, tenant, PCIKindUser, user, p.s.Now()); err == nil {
		return PCIUser{}, "", Errorf(CodeConflict, "a key for this user already exists")
	}
	k, err := pvWithSlot(ctx, p.slots, func() (seal.UserKey, error) { return seal.NewUserKey(passphrase, p.kdf()) })
	if err != nil {
		return PCIUser{}, "", err
	}
	data, err := json.Marshal(pvUserDataOf(k))
	if err != nil {
		return PCIUser{}, "", err
	}
	now := p.s.Now()
	rec := Record{Tenant: tenant, Kind: PCIKindUser, ID: "pvu_" + seal.RandomID(22), Key: user, Data: data,
		Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := p.s.store.CreateRecord(ctx, rec); err != nil {
		if errors.Is(err, ErrConflict) {
			return PCIUser{}, "", &Error{Code: CodeConflict, Public: "a key for this user already exists", Err: err}
		}
		return PCIUser{}, "", err
	}
	return PCIUser{Name: user, CreatedAt: now}, generated, nil
}

// loadUser returns a tenant's user key; unknown users are not_found.
func (p *PCIVault) loadUser(ctx context.Context, q Store, tenant, user string) (pvUser, error) {
	if err := pvValidUser(user); err != nil {
		return pvUser{}, err
	}
	rec, err := q.RecordByKey(ctx, tenant, PCIKindUser, user, p.s.Now())
	if errors.Is(err, ErrNotFound) {
		return pvUser{}, errPVUnknownUser
	}
	if err != nil {
		return pvUser{}, err
	}
	u := pvUser{rec: rec}
	return u, pvDecode(rec, &u.data)
}

// unlock loads user and opens its private key with passphrase: unknown user
// is not_found, a missing passphrase invalid, a wrong one unauthorized.
func (p *PCIVault) unlock(ctx context.Context, tenant, user, passphrase string) (pvUser, *seal.UnlockedKey, error) {
	u, err := p.loadUser(ctx, p.s.store, tenant, user)
	if err != nil {
		return pvUser{}, nil, err
	}
	if passphrase == "" {
		return pvUser{}, nil, Invalid("passphrase", "passphrase is required")
	}
	if len(passphrase) > PCIMaxPassphrase {
		return pvUser{}, nil, errPVWrongPassphrase
	}
	slot := p.cache.slot(tenant, u.rec.ID, u.data.WrappedPrivate, passphrase)
	if k := p.cache.get(slot, p.s.Now()); k != nil {
		return u, k, nil
	}
	k, err := pvWithSlot(ctx, p.slots, func() (*seal.UnlockedKey, error) { return u.userKey().Unlock(passphrase) })
	if errors.Is(err, seal.ErrWrongPassphrase) {
		return pvUser{}, nil, errPVWrongPassphrase
	}
	if err != nil {
		return pvUser{}, nil, err
	}
	p.cache.put(slot, k, p.s.Now())
	return u, k, nil
}

// ListUserKeys pages through a tenant's user keys (names only) in record
// order; next is the cursor of the following page, or "" at the end.
func (p *PCIVault) ListUserKeys(ctx context.Context, tenant string, pg Page) ([]PCIUser, string, error) {
	recs, err := p.s.store.ListRecords(ctx, RecordQuery{Tenant: tenant, Kind: PCIKindUser, Page: pg}, p.s.Now())
	if err != nil {
		return nil, "", err
	}
	out := make([]PCIUser, len(recs))
	for i, r := range recs {
		out[i] = PCIUser{Name: r.Key, CreatedAt: r.CreatedAt}
	}
	return out, pvNext(recs, pg), nil
}

// pvNext returns the cursor after a full page, or "" after the last one.
func pvNext(recs []Record, pg Page) string {
	if len(recs) == 0 || pg.Limit <= 0 || len(recs) < pg.Limit {
		return ""
	}
	return recs[len(recs)-1].ID
}

// ChangePassphrase rewraps a user's private key under newPass after checking
// oldPass. The key pair does not change, so stored data and capture
// endpoints keep working and nothing is re-encrypted.
func (p *PCIVault) ChangePassphrase(ctx context.Context, tenant, user, oldPass, newPass string) error {
	if err := pvValidPassphrase("new_passphrase", newPass); err != nil {
		return err
	}
	u, _, err := p.unlock(ctx, tenant, user, oldPass)
	if err != nil {
		return err
	}
	k, err := pvWithSlot(ctx, p.slots, func() (seal.UserKey, error) { return u.userKey().Rewrap(oldPass, newPass, p.kdf()) })
	if errors.Is(err, seal.ErrWrongPassphrase) {
		return errPVWrongPassphrase
	}
	if err != nil {
		return err
	}
	if u.rec.Data, err = json.Marshal(pvUserDataOf(k)); err != nil {
		return err
	}
	_, err = p.s.store.UpdateRecord(ctx, u.rec, p.s.Now())
	if errors.Is(err, ErrConflict) {
		return &Error{Code: CodeConflict, Public: "the key changed meanwhile; try again", Err: err}
	}
	return notFound(err, "unknown user")
}

// DeleteUserKey removes a user key and its capture endpoints. While data is
// stored under the key it refuses (conflict) unless safe is false, in which
// case the data goes too, all in one transaction. It reports how many
// entries went.
func (p *PCIVault) DeleteUserKey(ctx context.Context, tenant, user string, safe bool) (int, error) {
	deleted := 0
	err := p.s.store.Tx(ctx, func(tx Store) error {
		deleted = 0
		u, err := p.loadUser(ctx, tx, tenant, user)
		if err != nil {
			return err
		}
		for {
			recs, err := p.userEntries(ctx, tx, tenant, u.rec.ID, Page{Limit: 500})
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				break
			}
			if safe {
				return Errorf(CodeConflict, "data is stored under this key; delete it first or pass safe=false")
			}
			for _, r := range recs {
				if err := tx.DeleteRecord(ctx, tenant, PCIKindEntry, r.ID); err != nil {
					return err
				}
				deleted++
			}
		}
		if _, err := tx.DeleteRecords(ctx, tenant, PCIKindCapture, u.rec.ID); err != nil {
			return err
		}
		return tx.DeleteRecord(ctx, tenant, PCIKindUser, u.rec.ID)
	})
	return deleted, domainErr(err)
}

// userEntries returns a page of a user's entries: the ids that start with
// the user record's id, in id order. pg.After, when set, must lie in that
// range.
func (p *PCIVault) userEntries(ctx context.Context, q Store, tenant, userID string, pg Page) ([]Record, error) {
	prefix := pvEntryPrefix(userID)
	if pg.After < prefix {
		pg.After = prefix
	}
	recs, err := q.ListRecords(ctx, RecordQuery{Tenant: tenant, Kind: PCIKindEntry, Page: pg}, p.s.Now())
	if err != nil {
		return nil, err
	}
	for i, r := range recs {
		if !strings.HasPrefix(r.ID, prefix) {
			return recs[:i], nil
		}
	}
	return recs, nil
}

// pvEntryPrefix starts the id of every entry of a user record.
func pvEntryPrefix(userID string) string { return userID + "." }
