package forms

import (
	"context"
	"errors"

	"github.com/cardvault/cardvault/internal/vault"
)

// tombstone marks a deleted form's id.
type tombstone struct{}

// tombstones are the ids of deleted forms, each kept for good.
var tombstones = vault.NewRecordType[tombstone](vault.KindFormTombstone, 1, nil, nil)

// errFormIDUsed answers the creation of a form under the id of a deleted one.
var errFormIDUsed = &vault.Error{Code: vault.CodeConflict, Field: "form_id",
	Public: "this form id belonged to a deleted form and cannot be used again"}

// checkFormIDFree returns errFormIDUsed when id is the id of a deleted form.
func checkFormIDFree(ctx context.Context, tx *vault.Service, id string) error {
	_, err := tombstones.GetAnyTenant(ctx, tx, id)
	switch {
	case err == nil:
		return errFormIDUsed
	case errors.Is(err, vault.ErrNotFound):
		return nil
	default:
		return err
	}
}

// buryForm records the tombstone of the tenant's deleted form id. A
// tombstone already there (left by an older deletion) is kept.
func buryForm(ctx context.Context, tx *vault.Service, tenant, id string) error {
	_, err := tombstones.Put(ctx, tx, vault.Stored[tombstone]{Tenant: tenant, ID: id})
	if errors.Is(err, vault.ErrConflict) {
		return nil
	}
	return err
}
