package pcivault

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/seal"
)

// Posted is what a holder of a capture endpoint's secret posts to it.
type Posted struct {
	// Reference names the entry (PCI Vault's reference query parameter);
	// empty means the endpoint id, or the locked entry's reference.
	Reference string
	// Number, when the data holds no number field, is the number the token
	// is derived from (PCI Vault's number query parameter), as for
	// StoreInput.Number; it is not stored.
	Number string
	// Data is the JSON object posted, at most MaxData bytes.
	Data []byte
}

// Capture stores data posted to a capture endpoint by a holder of its
// secret; no passphrase is involved. An endpoint that is not locked down
// stores the data as StoreEntry does, under in.Reference (default: the
// endpoint id), replacing the entry with the same token and reference as
// StoreEntry does (the token is derived from the number posted, so only
// a caller who posts that very number can replace it). A locked-down
// endpoint merges the data field by field into its entry: fields not sent
// keep their values and the card number cannot change (a different number,
// or a number for an entry stored without one, is invalid and nothing is
// written; after MaxRefusedMerges such refusals the endpoint is deleted);
// the stored number, in any spelling, is accepted and its stored text is
// kept. When Options.MaxCaptures is set, an endpoint takes that many
// captures in its lifetime; then it answers ErrCaptureLimit. The returned
// Capture names the endpoint's tenant and user.
func (p *Service) Capture(ctx context.Context, id, secret string, in Posted) (Capture, EntryRef, error) {
	rec, d, err := p.capture(ctx, id, secret)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	if captureChecked != nil {
		captureChecked()
	}
	view := pvCaptureView(rec, d)
	if p.atLimit(d.Captures) {
		return Capture{}, EntryRef{}, ErrCaptureLimit
	}
	reference := in.Reference
	if err := pvValidReference(reference); err != nil {
		return Capture{}, EntryRef{}, err
	}
	members, err := pvParseObject(in.Data)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	num, numbered, err := pvNumberOf(members)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	var query *pvNumber
	if !numbered && in.Number != "" {
		n, err := pvParseNumber("number", in.Number)
		if err != nil {
			return Capture{}, EntryRef{}, err
		}
		if n.value != "" {
			num, numbered, query = n, true, &n
		}
	}
	ek := seal.EndpointKey{SealedToUser: d.SealedToUser, WrappedBySecret: d.WrappedBySecret}
	sealer, err := ek.SealerFromSecret(secret, d.Info)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	key := pvEntryKey{Endpoint: true, Info: d.Info, Sealed: d.SealedToUser}
	data := bytes.TrimSpace(in.Data)
	if d.Lockdown != nil {
		if reference != "" && reference != d.Lockdown.Reference {
			return Capture{}, EntryRef{}, vault.Invalid("reference", "this endpoint updates one stored entry; its reference cannot change")
		}
		ref, err := p.merge(ctx, rec, d, members, query, data, key, sealer)
		return view, ref, err
	}
	if err := pvNotCardLike("reference", reference); err != nil {
		return Capture{}, EntryRef{}, err
	}
	if reference == "" {
		reference = rec.ID
	}
	// The user key's record is not decoded: the entry needs only the
	// user's name and record id, which the endpoint holds; captureUser
	// checks that the record is there.
	u := pvUser{rec: vault.Stored[pvUserData]{Tenant: rec.Tenant, ID: d.UserID}, data: pvUserData{Name: d.User}}
	if err := p.captureUser(ctx, rec, u); err != nil {
		return Capture{}, EntryRef{}, err
	}
	e := pvNewEntry{user: u, reference: reference, data: data, numbered: numbered,
		replace: true, by: rec.ID,
		key:  func(string) (pvEntryKey, *seal.Sealer, error) { return key, sealer, nil },
		inTx: func(tx *vault.Service) error { return p.captureHeld(ctx, tx, rec, d) }}
	ref, err := p.writeEntry(ctx, rec.Tenant, e, num)
	return view, ref, err
}

// captureChecked, when set (by tests only), runs in Capture right after
// the endpoint's secret is checked, before anything is written.
var captureChecked func()

// captureHeld, in the transaction that stores a capture, checks that the
// endpoint is still there and holds it until the commit (countCapture).
func (p *Service) captureHeld(ctx context.Context, tx *vault.Service, ep vault.Stored[pvCaptureData], d pvCaptureData) error {
	if err := p.countCapture(ctx, tx, ep, d); err != nil {
		return err
	}
	if captureLocked != nil {
		captureLocked()
	}
	return nil
}

// captureUser checks that the user key of endpoint ep is still there (not
// found: as for an endpoint that was never there), so that a writer to the
// store who deletes only the user key's record does not get entries stored
// for a user who no longer exists. It runs before the writing transaction,
// not in it: on SQLite that transaction's body runs in the serial commit
// section, and DeleteUserKey, which deletes the endpoints before the entries, is kept
// from overtaking the post by the endpoint that transaction holds.
func (p *Service) captureUser(ctx context.Context, ep vault.Stored[pvCaptureData], u pvUser) error {
	err := p.liveUser(ctx, p.s, ep.Tenant, u, false)
	if vault.CodeOf(err) == vault.CodeNotFound {
		return errPVNoCapture
	}
	return err
}

// captureLocked, when set (by tests only), runs in the transaction that
// stores a capture right after it has read (and, on PostgreSQL, locked)
// the endpoint.
var captureLocked func()

// pvWithoutNumbers returns members without their number fields (any case),
// and whether there were any: a merge whose number is the entry's own
// leaves the stored text of the number as it was.
func pvWithoutNumbers(members []pvMember) ([]pvMember, bool) {
	out := slices.DeleteFunc(slices.Clone(members), func(m pvMember) bool {
		return slices.ContainsFunc(pvNumberFields, func(f string) bool { return strings.EqualFold(m.Key, f) })
	})
	return out, len(out) != len(members)
}

// merge appends data as a layer sealed by the endpoint's key to the entry
// the endpoint is locked to. A merge refused because its card number is not
// the entry's is counted on the endpoint record in the same transaction that
// decides it, and the MaxRefusedMerges-th deletes the endpoint, so its
// secret can test at most that many guesses of the stored number.
func (p *Service) merge(ctx context.Context, ep vault.Stored[pvCaptureData], d pvCaptureData, members []pvMember, query *pvNumber, data []byte, key pvEntryKey, sealer *seal.Sealer) (EntryRef, error) {
	tenant := ep.Tenant
	nums, err := pvNumbers(members)
	if err != nil {
		return EntryRef{}, err
	}
	if query != nil {
		nums = append(nums, *query)
	}
	// A number that is the entry's own is checked, then left out of the
	// layer: the stored text of the number is never rewritten.
	if rest, had := pvWithoutNumbers(members); had {
		data = nil
		if len(rest) > 0 {
			data = pvEncodeObject(rest)
		}
	}
	// Tokens are derived from numbers, so an unchanged number gives the
	// entry's own token: that is checked without opening anything.
	tokens := make([]string, len(nums))
	for i, n := range nums {
		if n.value == "" {
			return EntryRef{}, vault.Invalid(n.field, "%s cannot be removed from stored data", n.field)
		}
		if tokens[i], err = p.pvTokenFor(ctx, tenant, d.User, n); err != nil {
			return EntryRef{}, err
		}
	}
	var out EntryRef
	var refused *vault.Error
	err = pvRetry(func() error {
		refused = nil
		return p.s.Tx(ctx, func(tx *vault.Service) error {
			cur, cd, err := p.liveCapture(ctx, tx, ep, d, false)
			if err != nil {
				return err
			}
			if p.atLimit(cd.Captures) {
				return ErrCaptureLimit
			}
			rec, e, err := p.resolveEntry(ctx, tx, tenant, d.UserID, d.Lockdown.Token, d.Lockdown.Reference)
			if vault.CodeOf(err) == vault.CodeNotFound {
				return &vault.Error{Code: vault.CodeNotFound, Public: "the stored data this endpoint updates no longer exists"}
			}
			if err != nil {
				return err
			}
			if e.Reference != d.Lockdown.Reference {
				return &vault.Error{Code: vault.CodeNotFound, Public: "the stored data this endpoint updates no longer exists"}
			}
			if r := pvNumberRefusal(e, nums, tokens); r != nil {
				// The refusal is counted (and commits) before it is answered.
				refused, err = p.refuseMerge(ctx, tx, cur, cd, r)
				return err
			}
			// Counting the capture also serialises an accepted number, an
			// answer too, with the refusals through the endpoint's version.
			cd.Captures++
			if err := p.saveCapture(ctx, tx, cur, cd); err != nil {
				return err
			}
			out = EntryRef{User: e.User, Token: e.Token, Reference: e.Reference}
			if len(data) == 0 {
				return nil // only the entry's own number: nothing to merge
			}
			if len(e.Layers)-1 >= MaxMerges || e.Size+len(data) > MaxEntrySize {
				return vault.Invalid("body", "this entry has taken %d merges or %d bytes; store it again in full with POST /v1/vault", MaxMerges, MaxEntrySize)
			}
			k := slices.IndexFunc(e.Keys, func(x pvEntryKey) bool { return x.Endpoint && bytes.Equal(x.Sealed, key.Sealed) })
			if k < 0 {
				k = len(e.Keys)
				e.Keys = append(e.Keys, key)
			}
			sealed, err := sealer.Seal(data, pvLayerAAD(tenant, rec.ID, len(e.Layers)))
			if err != nil {
				return err
			}
			e.Layers = append(e.Layers, pvLayer{Key: k, Sealed: sealed, By: ep.ID, At: p.s.Now()})
			e.Size += len(data)
			rec.Value = e
			if _, err := entryRecords.Update(ctx, tx, rec); err != nil {
				if errors.Is(err, vault.ErrNotFound) {
					return errPVNoEntry
				}
				return err
			}
			return nil
		})
	})
	switch {
	case err != nil:
		return EntryRef{}, vault.DomainError(err)
	case refused != nil:
		return EntryRef{}, refused
	}
	return out, nil
}
