package pcivault

import (
	"bytes"
	"context"
	"errors"
	"slices"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/cardvault/cardvault/internal/seal"
)

// Capture stores data posted to a capture endpoint by a holder of its
// secret; no passphrase is involved. An endpoint that is not locked down
// stores the data as StoreEntry would, under reference (default: the
// endpoint id), but never replaces an existing entry. A locked-down
// endpoint merges the data field by field into its entry: fields not sent
// keep their values and the card number cannot change (a different number,
// or a number for an entry stored without one, is invalid and nothing is
// written; after MaxRefusedMerges such refusals the endpoint is
// deleted). Every endpoint takes at most Options.MaxCaptures
// captures in its lifetime; then it answers ErrCaptureLimit. The
// returned Capture names the endpoint's tenant and user.
func (p *Service) Capture(ctx context.Context, id, secret, reference string, data []byte) (Capture, EntryRef, error) {
	rec, d, err := p.capture(ctx, id, secret)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	view := pvCaptureView(rec, d)
	if d.Captures >= p.maxCaptures {
		return Capture{}, EntryRef{}, ErrCaptureLimit
	}
	if err := pvValidReference(reference); err != nil {
		return Capture{}, EntryRef{}, err
	}
	members, err := pvParseObject(data)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	ek := seal.EndpointKey{SealedToUser: d.SealedToUser, WrappedBySecret: d.WrappedBySecret}
	sealer, err := ek.SealerFromSecret(secret, d.Info)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	key := pvEntryKey{Endpoint: true, Info: d.Info, Sealed: d.SealedToUser}
	data = bytes.TrimSpace(data)
	if d.Lockdown != nil {
		if reference != "" && reference != d.Lockdown.Reference {
			return Capture{}, EntryRef{}, vault.Invalid("reference", "this endpoint updates one stored entry; its reference cannot change")
		}
		ref, err := p.merge(ctx, rec, d, members, data, key, sealer)
		return view, ref, err
	}
	u, err := userRecords.Get(ctx, p.s, rec.Tenant, d.UserID)
	if err != nil {
		return Capture{}, EntryRef{}, vault.NotFound(err, "the key of this capture endpoint no longer exists")
	}
	num, numbered, err := pvNumberOf(members)
	if err != nil {
		return Capture{}, EntryRef{}, err
	}
	if err := pvNotCardLike("reference", reference); err != nil {
		return Capture{}, EntryRef{}, err
	}
	if reference == "" {
		reference = rec.ID
	}
	e := pvNewEntry{user: pvUser{rec: u, data: u.Value}, reference: reference, data: data, numbered: numbered, by: rec.ID,
		key:  func(string) (pvEntryKey, *seal.Sealer, error) { return key, sealer, nil },
		inTx: func(tx *vault.Service) error { return p.countCapture(ctx, tx, rec, d) }}
	ref, err := p.writeEntry(ctx, rec.Tenant, e, num)
	return view, ref, err
}

// merge appends data as a layer sealed by the endpoint's key to the entry
// the endpoint is locked to. A merge refused because its card number is not
// the entry's is counted on the endpoint record in the same transaction that
// decides it, and the MaxRefusedMerges-th deletes the endpoint, so its
// secret can test at most that many guesses of the stored number.
func (p *Service) merge(ctx context.Context, ep vault.Stored[pvCaptureData], d pvCaptureData, members []pvMember, data []byte, key pvEntryKey, sealer *seal.Sealer) (EntryRef, error) {
	tenant := ep.Tenant
	nums, err := pvNumbers(members)
	if err != nil {
		return EntryRef{}, err
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
			cur, cd, err := p.liveCapture(ctx, tx, ep, d)
			if err != nil {
				return err
			}
			if cd.Captures >= p.maxCaptures {
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
			if len(e.Layers) >= MaxLayers || e.Size+len(data) > MaxEntrySize {
				return vault.Invalid("body", "this entry has been updated too often; store it again in full")
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
			out = EntryRef{User: e.User, Token: e.Token, Reference: e.Reference}
			return nil
		})
	})
	if err == nil && refused != nil {
		return EntryRef{}, refused
	}
	return out, vault.DomainError(err)
}
