package vault

import "context"

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
