package pcivault

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/seal"
)

// User is a user key as listers see it: never its key material.
type User struct {
	Name      string
	CreatedAt time.Time
}

// pvUserData is what a pcivault_user record holds: the public key in the
// clear, the private key wrapped under the passphrase-derived key, and the
// Argon2id parameters that derive it. Nothing in it opens data without the
// passphrase.
type pvUserData struct {
	// Name is the user (key name), the record's lookup key.
	Name           string `json:"name"`
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
	rec  vault.Stored[pvUserData]
	data pvUserData
}

func (u pvUser) name() string { return u.data.Name }

func (u pvUser) userKey() seal.UserKey {
	k := u.data.KDF
	return seal.UserKey{Public: u.data.Public, WrappedPrivate: u.data.WrappedPrivate,
		KDF: seal.KDFParams{Time: k.Time, MemoryKiB: k.MemoryKiB, Threads: k.Threads, Salt: k.Salt}}
}

func pvUserDataOf(name string, k seal.UserKey) pvUserData {
	return pvUserData{Name: name, Public: k.Public, WrappedPrivate: k.WrappedPrivate,
		KDF: pvKDF{Time: k.KDF.Time, MemoryKiB: k.KDF.MemoryKiB, Threads: k.KDF.Threads, Salt: k.KDF.Salt}}
}

var (
	errPVUnknownUser     = &vault.Error{Code: vault.CodeNotFound, Public: "unknown user"}
	errPVWrongPassphrase = &vault.Error{Code: vault.CodeUnauthorized, Public: "wrong passphrase"}
)

// pvValidUser checks a user (key name): 1 to MaxUserLen bytes of valid
// UTF-8 without control characters.
func pvValidUser(user string) error {
	switch {
	case user == "":
		return vault.Invalid("user", "user is required")
	case len(user) > MaxUserLen:
		return vault.Invalid("user", "user must be at most %d bytes", MaxUserLen)
	case !utf8.ValidString(user) || strings.IndexFunc(user, unicode.IsControl) >= 0:
		return vault.Invalid("user", "user must be text without control characters")
	}
	return nil
}

// pvValidPassphrase checks a new passphrase: at least MinPassphrase
// characters, at most MaxPassphrase bytes.
func pvValidPassphrase(field, pass string) error {
	switch {
	case !utf8.ValidString(pass):
		return vault.Invalid(field, "%s must be valid UTF-8", field)
	case utf8.RuneCountInString(pass) < MinPassphrase:
		return vault.Invalid(field, "%s must be at least %d characters", field, MinPassphrase)
	case len(pass) > MaxPassphrase:
		return vault.Invalid(field, "%s must be at most %d bytes", field, MaxPassphrase)
	}
	return nil
}

// CreateUserKey makes a key pair for user and wraps its private half under
// passphrase; when passphrase is empty one is generated and returned (the
// only time it is shown). An existing user is a conflict; a user name that
// looks like a card number is invalid.
func (p *Service) CreateUserKey(ctx context.Context, tenant, user, passphrase string) (User, string, error) {
	if err := pvValidUser(user); err != nil {
		return User{}, "", err
	}
	if err := pvNotCardLike("user", user); err != nil {
		return User{}, "", err
	}
	generated := ""
	if passphrase == "" {
		generated = seal.NewSecret()
		passphrase = generated
	}
	if err := pvValidPassphrase("passphrase", passphrase); err != nil {
		return User{}, "", err
	}
	if _, err := p.s.Fingerprint(ctx, tenant, ""); err != nil { // an unknown tenant fails here
		return User{}, "", err
	}
	if _, err := userRecords.ByKey(ctx, p.s, tenant, user); err == nil {
		return User{}, "", vault.Errorf(vault.CodeConflict, "a key for this user already exists")
	}
	k, err := pvWithSlot(ctx, p.slots, func() (seal.UserKey, error) { return seal.NewUserKey(passphrase, p.kdf()) })
	if err != nil {
		return User{}, "", err
	}
	now := p.s.Now()
	_, err = userRecords.Put(ctx, p.s, vault.Stored[pvUserData]{Tenant: tenant, ID: "pvu_" + seal.RandomID(22),
		CreatedAt: now, Value: pvUserDataOf(user, k)})
	if errors.Is(err, vault.ErrConflict) {
		return User{}, "", &vault.Error{Code: vault.CodeConflict, Public: "a key for this user already exists", Err: err}
	}
	if err != nil {
		return User{}, "", err
	}
	return User{Name: user, CreatedAt: now}, generated, nil
}

// loadUser returns a tenant's user key; unknown users are not_found.
func (p *Service) loadUser(ctx context.Context, q *vault.Service, tenant, user string) (pvUser, error) {
	if err := pvValidUser(user); err != nil {
		return pvUser{}, err
	}
	rec, err := userRecords.ByKey(ctx, q, tenant, user)
	if errors.Is(err, vault.ErrNotFound) {
		return pvUser{}, errPVUnknownUser
	}
	if err != nil {
		return pvUser{}, err
	}
	return pvUser{rec: rec, data: rec.Value}, nil
}

// liveUser checks, inside tx, that the user key u was loaded as is still
// stored under its name: unknown user (not_found) when its record is gone
// or names another user. The record is opened as every read opens it (a
// row forged or moved in the store fails), but not decoded: only its
// existence and its name, the bound lookup key, are needed. With lock it is
// read with a shared lock that keeps DeleteUserKey waiting until tx ends.
func (p *Service) liveUser(ctx context.Context, tx *vault.Service, tenant string, u pvUser, lock bool) error {
	name, err := userRecords.Check(ctx, tx, tenant, u.rec.ID, lock)
	if errors.Is(err, vault.ErrNotFound) {
		return errPVUnknownUser
	}
	if err != nil {
		return err
	}
	if name != u.name() {
		return errPVUnknownUser
	}
	return nil
}

// pvOpened is an unlocked user key and its place in the unlock cache: the
// slot that names it and the end of its unlock window (zero when the cache
// is off), which bound the data keys cached under it.
type pvOpened struct {
	key   *seal.UnlockedKey
	slot  [32]byte
	until time.Time
}

// unlock loads user and opens its private key with passphrase: unknown user
// is not_found, a missing passphrase invalid, a wrong one unauthorized.
func (p *Service) unlock(ctx context.Context, tenant, user, passphrase string) (pvUser, pvOpened, error) {
	u, err := p.loadUser(ctx, p.s, tenant, user)
	if err != nil {
		return pvUser{}, pvOpened{}, err
	}
	if passphrase == "" {
		return pvUser{}, pvOpened{}, vault.Invalid("passphrase", "passphrase is required")
	}
	if len(passphrase) > MaxPassphrase {
		return pvUser{}, pvOpened{}, errPVWrongPassphrase
	}
	slot := p.cache.slot(tenant, u.rec.ID, u.data.WrappedPrivate, passphrase)
	if c := p.cache.lookup(slot, p.s.Now()); c.key != nil {
		o := pvOpened{key: c.key, slot: slot, until: c.expires}
		p.renewSoon(u, o, passphrase)
		return u, o, nil
	}
	o, err := p.derive(ctx, u, slot, passphrase)
	if errors.Is(err, seal.ErrWrongPassphrase) {
		return pvUser{}, pvOpened{}, errPVWrongPassphrase
	}
	if err != nil {
		return pvUser{}, pvOpened{}, err
	}
	return u, o, nil
}

// derive opens u's private key with passphrase (an Argon2id run, shared
// with concurrent callers of the same slot) and caches it in slot.
func (p *Service) derive(ctx context.Context, u pvUser, slot [32]byte, passphrase string) (pvOpened, error) {
	return p.flights.do(ctx, slot, func() (pvOpened, error) {
		k, err := pvWithSlot(ctx, p.slots, func() (*seal.UnlockedKey, error) {
			p.unlockRuns.Add(1)
			return u.userKey().Unlock(passphrase)
		})
		if err != nil {
			return pvOpened{}, err
		}
		// Cached before the flight lands, so no caller misses both.
		return pvOpened{key: k, slot: slot, until: p.cache.put(slot, k, p.s.Now())}, nil
	})
}

// ListUserKeys pages through a tenant's user keys (names only) in record
// order; next is the cursor of the following page, or "" at the end.
func (p *Service) ListUserKeys(ctx context.Context, tenant string, pg vault.Page) ([]User, string, error) {
	recs, err := userRecords.List(ctx, p.s, tenant, "", pg)
	if err != nil {
		return nil, "", err
	}
	out := make([]User, len(recs))
	for i, r := range recs {
		out[i] = User{Name: r.Value.Name, CreatedAt: r.CreatedAt}
	}
	return out, pvNext(recs, pg), nil
}

// pvNext returns the cursor after a full page, or "" after the last one.
func pvNext[T any](recs []vault.Stored[T], pg vault.Page) string {
	if len(recs) == 0 || pg.Limit <= 0 || len(recs) < pg.Limit {
		return ""
	}
	return recs[len(recs)-1].ID
}

// ChangePassphrase rewraps a user's private key under newPass after checking
// oldPass. The key pair does not change, so stored data and capture
// endpoints keep working and nothing is re-encrypted.
func (p *Service) ChangePassphrase(ctx context.Context, tenant, user, oldPass, newPass string) error {
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
	u.rec.Value = pvUserDataOf(u.name(), k)
	_, err = userRecords.Update(ctx, p.s, u.rec)
	// Whatever the outcome (an unknown one included), reads look again.
	p.users.drop(pvUserName{tenant, user})
	if errors.Is(err, vault.ErrConflict) {
		return &vault.Error{Code: vault.CodeConflict, Public: "the key changed meanwhile; try again", Err: err}
	}
	return vault.NotFound(err, "unknown user")
}

// DeleteUserKey removes a user key and its capture endpoints. While data is
// stored under the key it refuses (conflict) unless safe is false, in which
// case the data goes too, all in one transaction. It reports how many
// entries went.
//
// The user key's record is deleted first, then its endpoints, then the
// entries are swept, each a later statement than the one before: a store
// or an endpoint's creation that holds the user key (liveUser), or a
// capture that holds its endpoint (countCapture), makes the delete of what
// it holds wait until it has committed, and the statements after it then
// see the entry or endpoint it wrote; one that comes after those deletes
// finds its user or endpoint gone and writes nothing. So no entry or
// endpoint outlives its user key, on PostgreSQL too, where transactions run
// side by side at READ COMMITTED.
func (p *Service) DeleteUserKey(ctx context.Context, tenant, user string, safe bool) (int, error) {
	deleted := 0
	err := p.s.Tx(ctx, func(tx *vault.Service) error {
		deleted = 0
		u, err := p.loadUser(ctx, tx, tenant, user)
		if err != nil {
			return err
		}
		if err := userRecords.Delete(ctx, tx, tenant, u.rec.ID); err != nil {
			return err
		}
		if _, err := captureRecords.DeleteByParent(ctx, tx, tenant, u.rec.ID); err != nil {
			return err
		}
		if _, err := retrieveRecords.DeleteByParent(ctx, tx, tenant, u.rec.ID); err != nil {
			return err
		}
		if userKeyDeleted != nil {
			userKeyDeleted()
		}
		for {
			recs, err := p.userEntries(ctx, tx, tenant, u.rec.ID, vault.Page{Limit: 500})
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				return nil
			}
			if safe {
				return vault.Errorf(vault.CodeConflict, "data is stored under this key; delete it first or pass safe=false")
			}
			for _, r := range recs {
				if err := entryRecords.Delete(ctx, tx, tenant, r.ID); err != nil {
					return err
				}
				deleted++
			}
		}
	})
	// Whatever the outcome (an unknown one included), reads look again.
	p.users.drop(pvUserName{tenant, user})
	return deleted, vault.DomainError(err)
}

// userKeyDeleted, when set (by tests only), runs in DeleteUserKey's
// transaction after the user key's record and its endpoints are deleted,
// before the entries are swept.
var userKeyDeleted func()

// userEntries returns a page of a user's entries: the ids that start with
// the user record's id, in id order. pg.After, when set, must lie in that
// range.
func (p *Service) userEntries(ctx context.Context, q *vault.Service, tenant, userID string, pg vault.Page) ([]vault.Stored[pvEntryData], error) {
	prefix := pvEntryPrefix(userID)
	if pg.After < prefix {
		pg.After = prefix
	}
	recs, err := entryRecords.List(ctx, q, tenant, "", pg)
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
