package pcivault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/seal"
)

// pvEntryData is what a pcivault_entry record holds.
//
// Security invariant: the data is a list of layers, each sealed with
// AES-256-GCM under a data key and bound (AAD) to tenant, entry id and layer
// index, so layers can be neither moved between entries nor reordered. Each
// data key is stored only sealed to the user's public key (HPKE): layer 0 of
// an entry stored with the passphrase uses a fresh data key
// (seal.NewUserDataKey); layers written through a capture endpoint use that
// endpoint's data key (seal.EndpointKey), which the endpoint recovers from
// its secret. Reading therefore always needs the passphrase; writing a merge
// layer never does. User, token and reference are in the clear: listing
// needs them and they are not card data.
type pvEntryData struct {
	User      string `json:"user"`
	UserID    string `json:"user_id"`
	Token     string `json:"token"`
	Reference string `json:"reference"`
	// Numbered says the token was derived from a number in the data (else
	// it is random and no number may be merged in).
	Numbered bool `json:"numbered"`
	// Size is the plaintext size of every layer together.
	Size   int          `json:"size"`
	Keys   []pvEntryKey `json:"keys"`
	Layers []pvLayer    `json:"layers"`
}

// pvEntryKey is one data key of an entry, sealed to the user's public key.
type pvEntryKey struct {
	// Endpoint is true for a capture endpoint's key (seal.EndpointKey),
	// false for a key made by seal.NewUserDataKey.
	Endpoint bool   `json:"endpoint,omitempty"`
	Info     []byte `json:"info"`
	Sealed   []byte `json:"sealed"`
}

// pvLayer is one sealed JSON object: the stored data, or a merge on top.
type pvLayer struct {
	// Key indexes Keys: the data key that sealed this layer.
	Key    int       `json:"key"`
	Sealed []byte    `json:"sealed"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
}

func pvLayerAAD(tenant, entryID string, i int) seal.AAD {
	return seal.AAD{Tenant: tenant, Record: entryID, Field: "layer/" + strconv.Itoa(i)}
}

func pvEntryKeyOf(token, reference string) string { return token + ":" + reference }

// pvValidReference checks a reference: at most vault.MaxReferenceLen bytes of text
// without control characters.
func pvValidReference(ref string) error {
	switch {
	case len(ref) > vault.MaxReferenceLen:
		return vault.Invalid("reference", "reference must be at most %d bytes", vault.MaxReferenceLen)
	case !utf8.ValidString(ref) || strings.IndexFunc(ref, unicode.IsControl) >= 0:
		return vault.Invalid("reference", "reference must be text without control characters")
	}
	return nil
}

// StoreInput is data to store under a user key.
type StoreInput struct {
	User       string
	Passphrase string
	Reference  string
	// Data is the JSON object to store, at most MaxData bytes.
	Data []byte
	// Number, when the data holds no number field, is the card number the
	// token is derived from (PCI Vault's number query parameter); it is not
	// stored.
	Number string
}

// StoreEntry stores a JSON object under a user key and returns its token:
// derived from the card number when the data (or in.Number) holds one, else
// random. Storing the same token and reference again replaces the entry. A
// reference that looks like a card number is invalid.
func (p *Service) StoreEntry(ctx context.Context, tenant string, in StoreInput) (EntryRef, error) {
	if err := pvValidReference(in.Reference); err != nil {
		return EntryRef{}, err
	}
	if err := pvNotCardLike("reference", in.Reference); err != nil {
		return EntryRef{}, err
	}
	members, err := pvParseObject(in.Data)
	if err != nil {
		return EntryRef{}, err
	}
	num, numbered, err := pvNumberOf(members)
	if err != nil {
		return EntryRef{}, err
	}
	if !numbered && in.Number != "" {
		if num, err = pvParseNumber("number", in.Number); err != nil {
			return EntryRef{}, err
		}
		numbered = num.value != ""
	}
	u, _, err := p.unlock(ctx, tenant, in.User, in.Passphrase)
	if err != nil {
		return EntryRef{}, err
	}
	e := pvNewEntry{user: u, reference: in.Reference, data: bytes.TrimSpace(in.Data), numbered: numbered, replace: true,
		key: userDataKey(tenant, u)}
	return p.writeEntry(ctx, tenant, e, num)
}

// userDataKey makes an entry's data key sealed to the user's public key
// (no passphrase needed), bound to the tenant and the entry id.
func userDataKey(tenant string, u pvUser) func(id string) (pvEntryKey, *seal.Sealer, error) {
	return func(id string) (pvEntryKey, *seal.Sealer, error) {
		info := seal.AAD{Tenant: tenant, Record: id, Field: "data-key"}.Bytes()
		sealer, sealed, err := seal.NewUserDataKey(u.data.Public, info)
		return pvEntryKey{Info: info, Sealed: sealed}, sealer, err
	}
}

// pvNumberOf picks the number of an object to store.
func pvNumberOf(members []pvMember) (pvNumber, bool, error) {
	ns, err := pvNumbers(members)
	if err != nil {
		return pvNumber{}, false, err
	}
	return pvPickNumber(ns)
}

// pvNewEntry is an entry about to be written.
type pvNewEntry struct {
	user      pvUser
	reference string
	data      []byte
	numbered  bool
	// replace lets the entry replace one with the same token and
	// reference; otherwise that is a conflict.
	replace bool
	by      string
	// inTx, when set, runs first in the transaction that writes the entry
	// (every retry): its failure writes nothing. It must prove that the
	// user key is still there and keep it from being deleted until the
	// commit (a capture holds its endpoint, which DeleteUserKey deletes
	// first). When nil the user key's record is read with a shared lock.
	inTx func(tx *vault.Service) error
	// key returns the data key (and its sealed form) for the entry id.
	key func(id string) (pvEntryKey, *seal.Sealer, error)
	// token, when set, is the entry's token (an import keeping another
	// vault's); else it is derived from the number or random.
	token string
}

// writeEntry seals and stores a new entry in one transaction, replacing (or
// refusing) one with the same token and reference.
func (p *Service) writeEntry(ctx context.Context, tenant string, e pvNewEntry, num pvNumber) (EntryRef, error) {
	token := e.token
	if token == "" {
		token = pvRandomToken()
	}
	if e.numbered && e.token == "" {
		var err error
		if token, err = p.pvTokenFor(ctx, tenant, e.user.name(), num); err != nil {
			return EntryRef{}, err
		}
	}
	id := pvEntryPrefix(e.user.rec.ID) + seal.RandomID(22)
	k, sealer, err := e.key(id)
	if err != nil {
		return EntryRef{}, err
	}
	sealed, err := sealer.Seal(e.data, pvLayerAAD(tenant, id, 0))
	if err != nil {
		return EntryRef{}, err
	}
	now := p.s.Now()
	d := pvEntryData{User: e.user.name(), UserID: e.user.rec.ID, Token: token, Reference: e.reference,
		Numbered: e.numbered, Size: len(e.data), Keys: []pvEntryKey{k},
		Layers: []pvLayer{{Key: 0, Sealed: sealed, By: e.by, At: now}}}
	// The record is encoded and sealed here, not in the transaction body,
	// which runs in the store's serial commit section.
	rec, err := entryRecords.Seal(ctx, p.s, vault.Stored[pvEntryData]{Tenant: tenant, ID: id, CreatedAt: now, Value: d})
	if err != nil {
		return EntryRef{}, err
	}
	err = pvRetry(func() error {
		return p.s.Tx(ctx, func(tx *vault.Service) error {
			held := e.inTx
			if held == nil {
				held = func(tx *vault.Service) error { return p.liveUser(ctx, tx, tenant, e.user, true) }
			}
			if err := held(tx); err != nil {
				return err
			}
			if userHeld != nil {
				userHeld()
			}
			old, err := entryRecords.ByKey(ctx, tx, tenant, pvEntryKeyOf(token, e.reference))
			switch {
			case errors.Is(err, vault.ErrNotFound):
			case err != nil:
				return err
			case old.Value.UserID != e.user.rec.ID:
				// Tokens are derived per user name, so only an entry left
				// by a user key of the same name, deleted and made again,
				// or one written into the store, gets here: it is not this
				// user's to replace.
				return &vault.Error{Code: vault.CodeConflict, Public: "data with this token and reference is stored under another key",
					Err: fmt.Errorf("entry %s belongs to user record %s, not %s", old.ID, old.Value.UserID, e.user.rec.ID)}
			case !e.replace:
				return vault.Errorf(vault.CodeConflict, "data with this token and reference is already stored; a capture endpoint cannot replace it")
			default:
				err := entryRecords.Delete(ctx, tx, tenant, old.ID)
				if errors.Is(err, vault.ErrNotFound) {
					return vault.ErrConflict // another writer replaced it first: try again
				}
				if err != nil {
					return err
				}
			}
			_, err = entryRecords.PutSealed(ctx, tx, rec)
			return err
		})
	})
	if err != nil {
		return EntryRef{}, vault.DomainError(err)
	}
	return EntryRef{User: d.User, Token: token, Reference: e.reference}, nil
}

// userHeld, when set (by tests only), runs in the transaction that writes
// an entry or a capture endpoint right after the user key (or the capture
// endpoint) is checked and held.
var userHeld func()

// resolveEntry finds a tenant's entry by token and reference. With an empty
// reference it takes the entry stored without one, else the token's only
// entry; a token with several entries then needs the reference. When
// userID is set, entries of other users are not found.
func (p *Service) resolveEntry(ctx context.Context, q *vault.Service, tenant, userID, token, reference string) (vault.Stored[pvEntryData], pvEntryData, error) {
	var none vault.Stored[pvEntryData]
	if !pvValidToken(token) {
		return none, pvEntryData{}, vault.Invalid("token", "token must be 64 lowercase hexadecimal characters")
	}
	if err := pvValidReference(reference); err != nil {
		return none, pvEntryData{}, err
	}
	rec, err := entryRecords.ByKey(ctx, q, tenant, pvEntryKeyOf(token, reference))
	if errors.Is(err, vault.ErrNotFound) && reference == "" {
		recs, lerr := entryRecords.List(ctx, q, tenant, token, vault.Page{Limit: 2})
		switch {
		case lerr != nil:
			return none, pvEntryData{}, lerr
		case len(recs) == 1:
			rec, err = recs[0], nil
		case len(recs) > 1:
			return none, pvEntryData{}, vault.Invalid("reference", "several entries have this token; give the reference")
		}
	}
	if errors.Is(err, vault.ErrNotFound) {
		return none, pvEntryData{}, errPVNoEntry
	}
	if err != nil {
		return none, pvEntryData{}, err
	}
	if userID != "" && rec.Value.UserID != userID {
		return none, pvEntryData{}, errPVNoEntry
	}
	return rec, rec.Value, nil
}

var errPVNoEntry = &vault.Error{Code: vault.CodeNotFound, Public: "no data is stored with this token and reference"}

// RevealEntry returns the JSON stored under a user key exactly as it was
// stored, with every merge applied: fields merged later replace earlier
// values where they stand, and new fields follow. It needs the passphrase.
// Callers check the reveal scope and audit.
func (p *Service) RevealEntry(ctx context.Context, tenant, user, passphrase, token, reference string) (EntryRef, []byte, error) {
	var ref EntryRef
	var data []byte
	err := p.revealUnlocked(ctx, tenant, user, passphrase, func(u pvUser, k pvOpened) error {
		rec, d, err := p.resolveEntry(ctx, p.s, tenant, u.rec.ID, token, reference)
		if err != nil {
			return err
		}
		if data, err = p.openEntry(tenant, rec.ID, d, k); err != nil {
			return err
		}
		ref = EntryRef{User: d.User, Token: d.Token, Reference: d.Reference}
		return nil
	})
	if err != nil {
		return EntryRef{}, nil, err
	}
	return ref, data, nil
}

// openEntry opens every data key and layer of an entry and merges them.
func (p *Service) openEntry(tenant, id string, d pvEntryData, k pvOpened) ([]byte, error) {
	sealers := make([]*seal.Sealer, len(d.Keys))
	for i, ek := range d.Keys {
		var err error
		if sealers[i], err = p.openDataKey(k, ek); err != nil {
			return nil, fmt.Errorf("open data key %d of entry %s: %w", i, id, err)
		}
	}
	var merged []pvMember
	for i, l := range d.Layers {
		if l.Key < 0 || l.Key >= len(sealers) {
			return nil, fmt.Errorf("layer %d of entry %s names no key", i, id)
		}
		pt, err := sealers[l.Key].Open(l.Sealed, pvLayerAAD(tenant, id, i))
		if err != nil {
			return nil, fmt.Errorf("open layer %d of entry %s: %w", i, id, err)
		}
		if len(d.Layers) == 1 {
			return pt, nil // exactly as stored
		}
		members, err := pvParseObject(pt)
		if err != nil {
			return nil, fmt.Errorf("layer %d of entry %s is not an object: %w", i, id, err)
		}
		merged = pvMerge(merged, members)
	}
	return pvEncodeObject(merged), nil
}

// ListEntries pages through a tenant's entries (token and reference only,
// never data), of one user when user is set; next is the cursor of the
// following page, or "" at the end.
func (p *Service) ListEntries(ctx context.Context, tenant, user string, pg vault.Page) ([]EntryRef, string, error) {
	var recs []vault.Stored[pvEntryData]
	var err error
	if user != "" {
		u, lerr := p.loadUser(ctx, p.s, tenant, user)
		if lerr != nil {
			return nil, "", lerr
		}
		recs, err = p.userEntries(ctx, p.s, tenant, u.rec.ID, pg)
	} else {
		recs, err = entryRecords.List(ctx, p.s, tenant, "", pg)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]EntryRef, len(recs))
	for i, r := range recs {
		d := r.Value
		out[i] = EntryRef{User: d.User, Token: d.Token, Reference: d.Reference}
	}
	return out, pvNext(recs, pg), nil
}

// DeleteEntries deletes the entry with token and reference, or every entry
// of the token when reference is empty, and reports how many went. When
// user is set, only that user's entries are found. Nothing found is
// not_found.
func (p *Service) DeleteEntries(ctx context.Context, tenant, user, token, reference string) (int, error) {
	if !pvValidToken(token) {
		return 0, vault.Invalid("token", "token must be 64 lowercase hexadecimal characters")
	}
	if err := pvValidReference(reference); err != nil {
		return 0, err
	}
	n := 0
	var created time.Time // of an entry deleted, for the enumeration guard
	err := p.s.Tx(ctx, func(tx *vault.Service) error {
		userID := ""
		if user != "" {
			u, err := p.loadUser(ctx, tx, tenant, user)
			if err != nil {
				return err
			}
			userID = u.rec.ID
		}
		if reference != "" {
			rec, _, err := p.resolveEntry(ctx, tx, tenant, userID, token, reference)
			if err != nil {
				return err
			}
			n, created = 1, rec.CreatedAt
			if err := p.dropRetrieves(ctx, tx, tenant, rec.Value.UserID, token, reference); err != nil {
				return err
			}
			return entryRecords.Delete(ctx, tx, tenant, rec.ID)
		}
		// Tokens are derived per user, so one entry tells whose they all are.
		recs, err := entryRecords.List(ctx, tx, tenant, token, vault.Page{Limit: 1})
		if err != nil {
			return err
		}
		if len(recs) == 0 || (userID != "" && !strings.HasPrefix(recs[0].ID, pvEntryPrefix(userID))) {
			return errPVNoEntry
		}
		if err := p.dropRetrieves(ctx, tx, tenant, recs[0].Value.UserID, token, ""); err != nil {
			return err
		}
		created = recs[0].CreatedAt
		if n, err = entryRecords.DeleteByParent(ctx, tx, tenant, token); err == nil && n == 0 {
			return errPVNoEntry
		}
		return err
	})
	if err == nil {
		// Storing a guessed number and comparing its token is a search for
		// a stored card; deleting the guess is what the guard counts.
		p.s.NoteDeleted(ctx, created)
	}
	return n, vault.DomainError(err)
}
