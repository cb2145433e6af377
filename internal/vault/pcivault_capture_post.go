package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/cardvault/cardvault/internal/seal"
)

// Capture stores data posted to a capture endpoint by a holder of its
// secret; no passphrase is involved. An endpoint that is not locked down
// stores the data as StoreEntry would, under reference (default: the
// endpoint id), but never replaces an existing entry. A locked-down
// endpoint merges the data field by field into its entry: fields not sent
// keep their values and the card number cannot change (a different number,
// or a number for an entry stored without one, is invalid and nothing is
// written; after PCIMaxRefusedMerges such refusals the endpoint is
// deleted). Every endpoint takes at most PCIVaultOptions.MaxCaptures
// captures in its lifetime; then it answers ErrPCICaptureLimit. The
// returned PCICapture names the endpoint's tenant and user.
func (p *PCIVault) Capture(ctx context.Context, id, secret, reference string, data []byte) (PCICapture, PCIEntryRef, error) {
	rec, d, err := p.capture(ctx, id, secret)
	if err != nil {
		return PCICapture{}, PCIEntryRef{}, err
	}
	view := pvCaptureView(rec, d)
	if d.Captures >= p.maxCaptures {
		return PCICapture{}, PCIEntryRef{}, ErrPCICaptureLimit
	}
	if err := pvValidReference(reference); err != nil {
		return PCICapture{}, PCIEntryRef{}, err
	}
	members, err := pvParseObject(data)
	if err != nil {
		return PCICapture{}, PCIEntryRef{}, err
	}
	ek := seal.EndpointKey{SealedToUser: d.SealedToUser, WrappedBySecret: d.WrappedBySecret}
	sealer, err := ek.SealerFromSecret(secret, d.Info)
	if err != nil {
		return PCICapture{}, PCIEntryRef{}, err
	}
	key := pvEntryKey{Endpoint: true, Info: d.Info, Sealed: d.SealedToUser}
	data = bytes.TrimSpace(data)
	if d.Lockdown != nil {
		if reference != "" && reference != d.Lockdown.Reference {
			return PCICapture{}, PCIEntryRef{}, Invalid("reference", "this endpoint updates one stored entry; its reference cannot change")
		}
		ref, err := p.merge(ctx, rec, d, members, data, key, sealer)
		return view, ref, err
	}
	u, err := p.s.store.GetRecord(ctx, PCIKindUser, d.UserID, p.s.Now())
	if err != nil {
		return PCICapture{}, PCIEntryRef{}, notFound(err, "the key of this capture endpoint no longer exists")
	}
	num, numbered, err := pvNumberOf(members)
	if err != nil {
		return PCICapture{}, PCIEntryRef{}, err
	}
	if err := pvNotCardLike("reference", reference); err != nil {
		return PCICapture{}, PCIEntryRef{}, err
	}
	if reference == "" {
		reference = rec.ID
	}
	e := pvNewEntry{user: pvUser{rec: u}, reference: reference, data: data, numbered: numbered, by: rec.ID,
		key:  func(string) (pvEntryKey, *seal.Sealer, error) { return key, sealer, nil },
		inTx: func(tx Store) error { return p.countCapture(ctx, tx, rec, d) }}
	ref, err := p.writeEntry(ctx, rec.Tenant, e, num)
	return view, ref, err
}

// merge appends data as a layer sealed by the endpoint's key to the entry
// the endpoint is locked to. A merge refused because its card number is not
// the entry's is counted on the endpoint record in the same transaction that
// decides it, and the PCIMaxRefusedMerges-th deletes the endpoint, so its
// secret can test at most that many guesses of the stored number.
func (p *PCIVault) merge(ctx context.Context, ep Record, d pvCaptureData, members []pvMember, data []byte, key pvEntryKey, sealer *seal.Sealer) (PCIEntryRef, error) {
	tenant := ep.Tenant
	nums, err := pvNumbers(members)
	if err != nil {
		return PCIEntryRef{}, err
	}
	// Tokens are derived from numbers, so an unchanged number gives the
	// entry's own token: that is checked without opening anything.
	tokens := make([]string, len(nums))
	for i, n := range nums {
		if n.value == "" {
			return PCIEntryRef{}, Invalid(n.field, "%s cannot be removed from stored data", n.field)
		}
		if tokens[i], err = p.pvTokenFor(ctx, tenant, d.User, n); err != nil {
			return PCIEntryRef{}, err
		}
	}
	var out PCIEntryRef
	var refused *Error
	err = pvRetry(func() error {
		refused = nil
		return p.s.store.Tx(ctx, func(tx Store) error {
			cur, cd, err := p.liveCapture(ctx, tx, ep, d)
			if err != nil {
				return err
			}
			if cd.Captures >= p.maxCaptures {
				return ErrPCICaptureLimit
			}
			rec, e, err := p.resolveEntry(ctx, tx, tenant, d.UserID, d.Lockdown.Token, d.Lockdown.Reference)
			if CodeOf(err) == CodeNotFound {
				return &Error{Code: CodeNotFound, Public: "the stored data this endpoint updates no longer exists"}
			}
			if err != nil {
				return err
			}
			if e.Reference != d.Lockdown.Reference {
				return &Error{Code: CodeNotFound, Public: "the stored data this endpoint updates no longer exists"}
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
			if len(e.Layers) >= PCIMaxLayers || e.Size+len(data) > PCIMaxEntrySize {
				return Invalid("body", "this entry has been updated too often; store it again in full")
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
			now := p.s.Now()
			e.Layers = append(e.Layers, pvLayer{Key: k, Sealed: sealed, By: ep.ID, At: now})
			e.Size += len(data)
			if rec.Data, err = json.Marshal(e); err != nil {
				return err
			}
			if _, err := tx.UpdateRecord(ctx, rec, now); err != nil {
				if errors.Is(err, ErrNotFound) {
					return errPVNoEntry
				}
				return err
			}
			out = PCIEntryRef{User: e.User, Token: e.Token, Reference: e.Reference}
			return nil
		})
	})
	if err == nil && refused != nil {
		return PCIEntryRef{}, refused
	}
	return out, domainErr(err)
}
