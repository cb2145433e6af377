package pcivault

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/cardvault/cardvault/internal/ttlmap"
)

// DefaultUserRecheck is how long a reveal may trust a user key record read
// by an earlier unlock on this node (Options.UserRecheck's default).
const DefaultUserRecheck = 5 * time.Second

// pvUnlockedUsers spares a reveal within an unlock window the read and
// decoding of its user key record: per tenant and user name it keeps the
// record and the unlocked key of the last successful unlock on this node.
//
// Security: the passphrase is still checked on every request, in constant
// time, against the unlock cache slot of that unlock (an HMAC, under a
// random key that never leaves this process, of tenant, user record id,
// hash of the wrapped private key and passphrase); the passphrase itself
// is never kept. A wrong passphrase never hits: it takes the full path
// (store read, Argon2id) and is refused there. The record was opened and
// checked by the record API when it was read; nothing here comes from the
// store unchecked.
//
// Staleness: an entry is trusted until the earlier of its unlock window's
// end and recheck after the read (Options.UserRecheck, DefaultUserRecheck).
// On this node, ChangePassphrase and DeleteUserKey drop the user's entry
// when they commit (and an unlock that read the record before that cannot
// put it back: every drop moves epoch on). On another node, a passphrase
// change lets the old passphrase keep revealing here for at most recheck; a
// deletion there also deletes every entry of the key in the same
// transaction, and entries are read from the store on every reveal, so a
// deleted key's data is never served; a reveal that finds no entry through
// a remembered record tries again through the store, so a key deleted and
// created again elsewhere under the same name is never hidden either.
type pvUnlockedUsers struct {
	recheck time.Duration
	users   *ttlmap.Cache[pvUserName, pvUnlockedUser]
}

// pvUserName is a user key's lookup name within a tenant.
type pvUserName struct{ tenant, user string }

type pvUnlockedUser struct {
	user   pvUser
	opened pvOpened
	// wrapped is the SHA-256 of the record's wrapped private key, as the
	// unlock cache's slot names it.
	wrapped [32]byte
}

func newPVUnlockedUsers(recheck time.Duration, size int) *pvUnlockedUsers {
	if recheck <= 0 {
		size = 0 // keep nothing
	}
	return &pvUnlockedUsers{recheck: recheck, users: ttlmap.New[pvUserName, pvUnlockedUser](size)}
}

// mark returns the current epoch, to be passed to put by an unlock that
// reads the user record after this call.
func (c *pvUnlockedUsers) mark() uint64 { return c.users.Generation() }

// get returns the entry of (tenant, user) if it is fresh at now.
func (c *pvUnlockedUsers) get(n pvUserName, now time.Time) (pvUnlockedUser, bool) {
	return c.users.Get(n, now)
}

// put keeps the record and key of an unlock of (tenant, user) that read
// the record after mark returned epoch; nothing is kept when a drop came
// in between, or when the unlock has no window.
func (c *pvUnlockedUsers) put(n pvUserName, epoch uint64, u pvUser, o pvOpened, now time.Time) {
	if c.recheck <= 0 || o.until.IsZero() {
		return
	}
	until := now.Add(c.recheck)
	if o.until.Before(until) {
		until = o.until
	}
	e := pvUnlockedUser{user: u, opened: o, wrapped: sha256.Sum256(u.data.WrappedPrivate)}
	c.users.Put(n, e, epoch, now, until)
}

// drop forgets (tenant, user) and moves the epoch on, so that an unlock
// that read the record before cannot keep it.
func (c *pvUnlockedUsers) drop(n pvUserName) { c.users.Forget(n) }

// len reports how many users are kept, stale ones included.
func (c *pvUnlockedUsers) len() int { return c.users.Len() }

// unlockForRead is unlock for reads: within an unlock window of this
// node it takes the user record and unlocked key kept by the last unlock
// (fast reports so) once passphrase matches that unlock's slot, compared
// in constant time; otherwise it unlocks through the store and keeps the
// result.
func (p *Service) unlockForRead(ctx context.Context, tenant, user, passphrase string) (u pvUser, o pvOpened, fast bool, err error) {
	n := pvUserName{tenant, user}
	if passphrase != "" && len(passphrase) <= MaxPassphrase {
		if e, ok := p.users.get(n, p.s.Now()); ok {
			slot := p.cache.slotOf(tenant, e.user.rec.ID, e.wrapped, passphrase)
			if subtle.ConstantTimeCompare(slot[:], e.opened.slot[:]) == 1 {
				p.renewSoon(e.user, e.opened, passphrase)
				return e.user, e.opened, true, nil
			}
		}
	}
	epoch := p.users.mark()
	u, o, err = p.unlock(ctx, tenant, user, passphrase)
	if err != nil {
		return pvUser{}, pvOpened{}, false, err
	}
	p.users.put(n, epoch, u, o, p.s.Now())
	return u, o, false, nil
}

// revealUnlocked unlocks user for a read and runs read with the record
// and key; when the read finds no entry through a remembered record, the
// record is forgotten and read is tried once more through the store.
func (p *Service) revealUnlocked(ctx context.Context, tenant, user, passphrase string, read func(pvUser, pvOpened) error) error {
	u, o, fast, err := p.unlockForRead(ctx, tenant, user, passphrase)
	if err != nil {
		return err
	}
	err = read(u, o)
	if !fast || !errors.Is(err, errPVNoEntry) {
		return err
	}
	p.users.drop(pvUserName{tenant, user})
	if u, o, _, err = p.unlockForRead(ctx, tenant, user, passphrase); err != nil {
		return err
	}
	return read(u, o)
}
