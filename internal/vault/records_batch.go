package vault

import (
	"context"
	"errors"
)

// RecordBatcher is a Store that creates many records in one round trip
// (the PostgreSQL store), answering as CreateRecord one after the other
// would. Store wrappers forward it.
type RecordBatcher interface {
	CreateRecords(ctx context.Context, records []Record) error
}

// CreateRecords creates records through st: in one call when st is a
// RecordBatcher, otherwise one by one, stopping at the first error.
func CreateRecords(ctx context.Context, st Store, records []Record) error {
	if b, ok := st.(RecordBatcher); ok {
		return b.CreateRecords(ctx, records)
	}
	for _, r := range records {
		if err := st.CreateRecord(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// CreateRecords forwards a batch to the wrapped store (records carry no
// integrity tag of this wrapper).
func (g *checkedStore) CreateRecords(ctx context.Context, records []Record) error {
	return CreateRecords(ctx, g.Store, records)
}

// RecordIDDeleter is a Store that deletes many records of a tenant and kind
// by id in one statement (the PostgreSQL store). Store wrappers forward it.
type RecordIDDeleter interface {
	// DeleteRecordIDs removes the tenant's records of kind with those ids
	// and reports how many went.
	DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error)
}

// DeleteRecordIDs removes the tenant's records of kind with those ids
// through st (in one statement when st is a RecordIDDeleter, otherwise one
// by one) and reports how many went: fewer than len(ids) when some were
// already gone.
func DeleteRecordIDs(ctx context.Context, st Store, tenant, kind string, ids []string) (int, error) {
	if d, ok := st.(RecordIDDeleter); ok {
		return d.DeleteRecordIDs(ctx, tenant, kind, ids)
	}
	n := 0
	for _, id := range ids {
		err := st.DeleteRecord(ctx, tenant, kind, id)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, ErrNotFound):
			return n, err
		}
	}
	return n, nil
}

// DeleteRecordIDs forwards to the wrapped store.
func (g *checkedStore) DeleteRecordIDs(ctx context.Context, tenant, kind string, ids []string) (int, error) {
	return DeleteRecordIDs(ctx, g.Store, tenant, kind, ids)
}
