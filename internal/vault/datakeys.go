package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/cardvault/cardvault/internal/seal"
)

// AddDataKey makes a new data key version for the tenant, wrapped under
// the current master key: new writes use it at once on this node and
// within Options.KeyRefresh on every other. It returns the new version. Two calls
// racing make one version; the loser gets a conflict.
func (s *Service) AddDataKey(ctx context.Context, tenant string) (uint32, error) {
	keys, err := s.store.ListKeys(ctx, tenant, PurposeData)
	if err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return 0, &Error{Code: CodeNotFound, Public: "unknown tenant"}
	}
	dk := seal.NewDataKey(keys[0].Version + 1)
	wrapped, err := s.keyring.WrapDataKey(tenant, dk)
	if err != nil {
		return 0, err
	}
	err = s.store.InsertKey(ctx, WrappedKey{Tenant: tenant, Purpose: PurposeData, Version: dk.Version, Wrapped: wrapped, CreatedAt: s.Now()})
	if err != nil {
		return 0, domainErr(err)
	}
	s.forgetKeys(tenant)
	return dk.Version, nil
}

// DataKeyVersion returns the data key version a sealed field names.
func DataKeyVersion(blob []byte) (uint32, bool) {
	v, err := seal.BlobKeyVersion(blob)
	return v, err == nil
}

// ResealCards re-seals, under the tenant's newest data key version, the
// sealed fields of up to limit of its cards with ids after after, in id
// order. Each card is written alone, compare-and-swap on the ciphertexts it
// read, touching no other column, so fingerprints, tokens and concurrent
// updates are kept (a card changed meanwhile is counted as skipped; its
// writer already sealed it under a current key or the next pass gets it).
// It returns the last id seen (empty at the end), and how many cards were
// re-sealed and skipped.
func (s *Service) ResealCards(ctx context.Context, tenant, after string, limit int) (next string, resealed, skipped int, err error) {
	s.forgetKeys(tenant) // see every version, whatever the cache says
	tk, err := s.keysFor(ctx, tenant)
	if err != nil {
		return "", 0, 0, err
	}
	target := tk.sealer.CurrentVersion()
	cards, err := s.store.ListCards(ctx, tenant, Page{After: after, Limit: limit}, s.Now())
	if err != nil {
		return "", 0, 0, err
	}
	for _, c := range cards {
		next = c.ID
		r := c
		changed := false
		for _, f := range []struct {
			name string
			blob *[]byte
		}{{fieldPAN, &r.SealedPAN}, {fieldHolder, &r.SealedHolder}, {fieldExtra, &r.SealedExtra}} {
			if v, ok := DataKeyVersion(*f.blob); !ok || v == target || len(*f.blob) == 0 {
				continue
			}
			aad := seal.AAD{Tenant: tenant, Record: c.ID, Field: f.name}
			pt, err := tk.sealer.Open(*f.blob, aad)
			if err != nil {
				return next, resealed, skipped, fmt.Errorf("card %s field %s: %w", c.ID, f.name, err)
			}
			*f.blob, err = tk.sealer.Seal(pt, aad)
			clear(pt)
			if err != nil {
				return next, resealed, skipped, err
			}
			changed = true
		}
		if !changed {
			continue
		}
		if err := tally(s.store.ResealCard(ctx, r, c), &resealed, &skipped); err != nil {
			return next, resealed, skipped, err
		}
	}
	if len(cards) < limit {
		next = ""
	}
	return next, resealed, skipped, nil
}

// tally counts the outcome of one compare-and-swap re-seal: done, or
// skipped because the row changed or went meanwhile (its writer sealed it
// with a current key); any other error is returned.
func tally(err error, resealed, skipped *int) error {
	switch {
	case err == nil:
		*resealed++
	case errors.Is(err, ErrConflict), errors.Is(err, ErrNotFound):
		*skipped++
	default:
		return err
	}
	return nil
}
