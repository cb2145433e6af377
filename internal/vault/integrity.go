package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cardvault/cardvault/internal/seal"
)

// The store is untrusted: someone who can write the database could mint an
// admin key by inserting a row with a hash of their choosing, escalate or
// un-revoke a key by editing its scopes or revoked_at, or change what the
// API shows about a card. So the vault puts a MAC, under a key derived from
// the integrity seed the master key wraps (seal.Keyring.MAC,
// integrity_seed.go), over every clear column of API keys and cards it
// writes, and checks it on every read through the store it uses: a row that fails is never returned as data. Sealed columns are
// already bound to their row by AEAD additional data.

// MAC domains of the integrity tags; never reused for anything else.
const (
	apiKeyDomain = "api-key/v1"
	cardDomain   = "card/v1"
)

// ErrIntegrity means a row read from the store fails its integrity check:
// it was inserted or edited behind the vault's back (or predates the tags).
var ErrIntegrity = errors.New("vault: a stored row fails its integrity check (written outside the vault?)")

// IntegrityFailure describes a row that failed its check, for the audit log.
type IntegrityFailure struct {
	// Action is "key.integrity_failed", "card.integrity_failed" or
	// "tenant.integrity_failed" (Tenant and ID both the tenant's id).
	Action string
	Tenant string
	ID     string
}

// Keyring returns the master keyring, for the audit log's anchors (MACs
// and checkpoint signatures under keys derived from the integrity seed).
func (s *Service) Keyring() *seal.Keyring { return s.keyring }

// OnIntegrityFailure sets fn to be called (after the failure is logged)
// whenever a row fails its integrity check; cmd/cardvault records an audit
// event there. When the failing read was made inside a transaction, fn runs
// on its own goroutine with a context that is not cancelled with the
// request, so that it may write to the store (the transaction may hold the
// only writer).
func (s *Service) OnIntegrityFailure(fn func(context.Context, IntegrityFailure)) {
	if g, ok := s.store.(*checkedStore); ok {
		g.alarm.fn.Store(&fn)
	}
}

// alarm reports failures: a log line always, the hook when set.
type alarm struct {
	log *slog.Logger
	fn  atomic.Pointer[func(context.Context, IntegrityFailure)]
}

// raise logs and reports one failed row and returns the error to give back.
func (a *alarm) raise(ctx context.Context, inTx bool, f IntegrityFailure) error {
	a.log.Error("integrity check failed: a row was written or edited outside the vault and is refused",
		"action", f.Action, "tenant", f.Tenant, "id", f.ID)
	if fn := a.fn.Load(); fn != nil {
		if inTx {
			go (*fn)(context.WithoutCancel(ctx), f)
		} else {
			(*fn)(ctx, f)
		}
	}
	return fmt.Errorf("%w: %s %s/%s", ErrIntegrity, f.Action, f.Tenant, f.ID)
}

// checkedStore is the Store the Service uses: it tags API keys and cards
// on write and checks the tags on read.
type checkedStore struct {
	Store
	keys  *seal.Keyring
	alarm *alarm
	inTx  bool
}

// withIntegrity wraps store so that API keys and cards carry integrity tags.
func withIntegrity(store Store, keys *seal.Keyring, log *slog.Logger) Store {
	return &checkedStore{Store: store, keys: keys, alarm: &alarm{log: log}}
}

// Tx runs fn with a transaction that checks tags too.
func (g *checkedStore) Tx(ctx context.Context, fn func(Store) error) error {
	return g.Store.Tx(ctx, func(tx Store) error {
		return fn(&checkedStore{Store: tx, keys: g.keys, alarm: g.alarm, inTx: true})
	})
}

// micro renders a time as the stores keep it; the zero time is "".
func micro(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMicro(), 10)
}

// apiKeyMessage is what an API key's tag covers: every column.
func apiKeyMessage(k APIKey) []byte {
	return seal.IntegrityMessage(k.ID, k.Tenant, k.Name, JoinScopes(k.Scopes), string(k.Hash),
		micro(k.CreatedAt), micro(k.ExpiresAt), micro(k.RevokedAt))
}

// cardMessage is what a card's tag covers: every clear column but the
// update time (the sealed columns are bound by their AEAD data).
func cardMessage(c Card) []byte {
	return seal.IntegrityMessage(c.Tenant, c.ID, c.Fingerprint, c.BIN, c.Last4, c.Scheme,
		strconv.Itoa(c.ExpMonth), strconv.Itoa(c.ExpYear), c.Reference, string(c.Metadata),
		micro(c.CreatedAt), micro(c.ExpiresAt))
}

// verified returns row when tag is the MAC of msg for domain, or else
// raises f and returns the integrity error.
func verified[T any](ctx context.Context, g *checkedStore, row T, domain string, msg, tag []byte, f IntegrityFailure) (T, error) {
	if !g.keys.VerifyMAC(domain, msg, tag) {
		var none T
		return none, g.alarm.raise(ctx, g.inTx, f)
	}
	return row, nil
}

// checkEach checks every row of a read (failing with the first row that
// fails), or passes the read's error on.
func checkEach[T any](ctx context.Context, rows []T, err error, check func(context.Context, T) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if rows[i], err = check(ctx, rows[i]); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// checkKey returns k, or the integrity error when its tag fails.
func (g *checkedStore) checkKey(ctx context.Context, k APIKey) (APIKey, error) {
	return verified(ctx, g, k, apiKeyDomain, apiKeyMessage(k), k.Integrity,
		IntegrityFailure{Action: "key.integrity_failed", Tenant: k.Tenant, ID: k.ID})
}

// checkCard returns c, or the integrity error when its tag fails.
func (g *checkedStore) checkCard(ctx context.Context, c Card) (Card, error) {
	return verified(ctx, g, c, cardDomain, cardMessage(c), c.Integrity,
		IntegrityFailure{Action: "card.integrity_failed", Tenant: c.Tenant, ID: c.ID})
}

// CreateAPIKey stores k with its tag.
func (g *checkedStore) CreateAPIKey(ctx context.Context, k APIKey) error {
	k.Integrity = g.keys.MAC(apiKeyDomain, apiKeyMessage(k))
	return g.Store.CreateAPIKey(ctx, k)
}

// APIKeyByHash returns a key whose tag verifies.
func (g *checkedStore) APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error) {
	k, err := g.Store.APIKeyByHash(ctx, hash)
	if err != nil {
		return APIKey{}, err
	}
	return g.checkKey(ctx, k)
}

// GetAPIKey returns a key whose tag verifies.
func (g *checkedStore) GetAPIKey(ctx context.Context, tenant, id string) (APIKey, error) {
	k, err := g.Store.GetAPIKey(ctx, tenant, id)
	if err != nil {
		return APIKey{}, err
	}
	return g.checkKey(ctx, k)
}

// ListAPIKeys fails when any listed key's tag fails.
func (g *checkedStore) ListAPIKeys(ctx context.Context, tenant string, p Page) ([]APIKey, error) {
	keys, err := g.Store.ListAPIKeys(ctx, tenant, p)
	return checkEach(ctx, keys, err, g.checkKey)
}

// casAttempts is how many times a write that lost a compare and swap on a
// key's tag (a concurrent change of the same row) is read, checked and
// tried again before the conflict is returned.
const casAttempts = 3

// UpdateAPIKey changes the name and scopes of a live key whose tag
// verifies to k's and re-tags it; every other column keeps the checked
// row's value, whatever k holds. old is the tag of the row the caller read
// and decided on: when the row holds another one now it has changed since
// (ErrConflict), and the write lands only if the row still holds old, so a
// revocation racing the change cannot leave a row whose tag covers
// columns it does not have.
func (g *checkedStore) UpdateAPIKey(ctx context.Context, k APIKey, old []byte) error {
	cur, err := g.GetAPIKey(ctx, k.Tenant, k.ID)
	if err != nil {
		return err
	}
	if !cur.RevokedAt.IsZero() {
		return fmt.Errorf("update api key: %w", ErrNotFound)
	}
	if !bytes.Equal(cur.Integrity, old) {
		return fmt.Errorf("update api key: %w", ErrConflict)
	}
	cur.Name, cur.Scopes = k.Name, k.Scopes
	cur.Integrity = g.keys.MAC(apiKeyDomain, apiKeyMessage(cur))
	return g.Store.UpdateAPIKey(ctx, cur, old)
}

// RevokeAPIKey revokes a key whose tag verifies and re-tags it (the
// caller's integrity and old are not used). The write lands only on the
// row that was checked (compare and swap on its tag); when a change races
// it, the key is read, checked and revoked again.
func (g *checkedStore) RevokeAPIKey(ctx context.Context, tenant, id string, at time.Time, _, _ []byte) error {
	for attempt := 1; ; attempt++ {
		k, err := g.GetAPIKey(ctx, tenant, id)
		if err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return fmt.Errorf("revoke api key: %w", ErrNotFound)
		}
		old := k.Integrity
		k.RevokedAt = at.UTC().Truncate(time.Microsecond)
		err = g.Store.RevokeAPIKey(ctx, tenant, id, k.RevokedAt, g.keys.MAC(apiKeyDomain, apiKeyMessage(k)), old)
		if !errors.Is(err, ErrConflict) || attempt == casAttempts {
			return err
		}
	}
}

// CreateCard stores c with its tag.
func (g *checkedStore) CreateCard(ctx context.Context, c Card) error {
	c.Integrity = g.keys.MAC(cardDomain, cardMessage(c))
	return g.Store.CreateCard(ctx, c)
}

// tagCard computes c's integrity tag ahead of the transaction that stores
// it (createCard), so that the group committer's serial section does not.
func (s *Service) tagCard(c *Card) {
	c.Integrity = s.keyring.MAC(cardDomain, cardMessage(*c))
}

// taggedCardWriter is a transaction that can store a card tagged ahead by
// tagCard as it is: checkedStore, which otherwise tags each card it writes.
type taggedCardWriter interface {
	createTaggedCard(ctx context.Context, c Card) error
}

// createTaggedCard stores c with the tag tagCard gave it.
func (g *checkedStore) createTaggedCard(ctx context.Context, c Card) error {
	return g.Store.CreateCard(ctx, c)
}

// createCard stores c through tx: with the tag it carries when tx can
// (taggedCardWriter; only tagCard sets one on a new card), else tagged by tx.
func createCard(ctx context.Context, tx Store, c Card) error {
	if w, ok := tx.(taggedCardWriter); ok && len(c.Integrity) > 0 {
		return w.createTaggedCard(ctx, c)
	}
	return tx.CreateCard(ctx, c)
}

// UpdateCard stores c with a fresh tag.
func (g *checkedStore) UpdateCard(ctx context.Context, c Card, now time.Time) error {
	c.Integrity = g.keys.MAC(cardDomain, cardMessage(c))
	return g.Store.UpdateCard(ctx, c, now)
}

// GetCard returns a card whose tag verifies.
func (g *checkedStore) GetCard(ctx context.Context, tenant, id string, now time.Time) (Card, error) {
	c, err := g.Store.GetCard(ctx, tenant, id, now)
	if err != nil {
		return Card{}, err
	}
	return g.checkCard(ctx, c)
}

// ListCards fails when any listed card's tag fails.
func (g *checkedStore) ListCards(ctx context.Context, tenant string, p Page, now time.Time) ([]Card, error) {
	cards, err := g.Store.ListCards(ctx, tenant, p, now)
	return checkEach(ctx, cards, err, g.checkCard)
}

// CardsByFingerprint fails when any found card's tag fails.
func (g *checkedStore) CardsByFingerprint(ctx context.Context, tenant, fingerprint string, now time.Time) ([]Card, error) {
	cards, err := g.Store.CardsByFingerprint(ctx, tenant, fingerprint, now)
	return checkEach(ctx, cards, err, g.checkCard)
}
