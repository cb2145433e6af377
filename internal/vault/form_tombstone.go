package vault

import (
	"context"
	"errors"
	"time"
)

// FormTombstoneKind is the record kind that remembers the id of a deleted
// form, under the same id, so that the id can never name another form: a
// link handed out for a form must not start serving someone else's
// configuration (and callbacks) after the form is deleted. Tombstones hold
// no configuration and never expire.
const FormTombstoneKind = "pcivault_form_tombstone"

// errFormIDUsed answers the creation of a form under the id of a deleted one.
var errFormIDUsed = &Error{Code: CodeConflict, Field: "form_id",
	Public: "this form id belonged to a deleted form and cannot be used again"}

// checkFormIDFree returns errFormIDUsed when id is the id of a deleted form.
func checkFormIDFree(ctx context.Context, st Store, id string, now time.Time) error {
	_, err := st.GetRecord(ctx, FormTombstoneKind, id, now)
	switch {
	case err == nil:
		return errFormIDUsed
	case errors.Is(err, ErrNotFound):
		return nil
	default:
		return err
	}
}

// buryForm records the tombstone of the tenant's deleted form id. A
// tombstone already there (left by an older deletion) is kept.
func buryForm(ctx context.Context, st Store, tenant, id string, now time.Time) error {
	err := st.CreateRecord(ctx, Record{Tenant: tenant, Kind: FormTombstoneKind, ID: id, Data: []byte(`{"v":1}`),
		Version: 1, CreatedAt: now, UpdatedAt: now})
	if errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}
