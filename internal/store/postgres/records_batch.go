package postgres

import (
	"context"
	"errors"

	"github.com/cardvault/cardvault/internal/vault"

	"github.com/jackc/pgx/v5"
)

// errBatchConflict rolls a batch back to its savepoint when one of its rows
// was not inserted; it never leaves CreateRecords.
var errBatchConflict = errors.New("postgres: a record of the batch is taken")

// CreateRecords stores records as CreateRecord would, one after the other,
// stopping at the first error; inside a transaction it joins it, outside
// one the records are written together or not at all. When no unique key
// is taken, which is the common case (an audit batch's entries), every
// INSERT goes out in one pipelined round trip instead of one round trip
// each. Otherwise what the batch wrote is rolled back (a savepoint) and the
// records are created one by one, which gives CreateRecord's answers
// exactly, expired holders included. In the AtCommit view each record is
// created as CreateRecord there would (one without a Key is held).
func (s *store) CreateRecords(ctx context.Context, records []vault.Record) error {
	if len(records) == 0 {
		return nil
	}
	if s.hold {
		for _, r := range records {
			if err := s.CreateRecord(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}
	return s.inTx(ctx, func(ts *store) error {
		err := ts.tx.savepoint(ctx, func(querier) error { return sendAll(ctx, ts.tx, records) })
		if !errors.Is(err, errBatchConflict) {
			return err
		}
		for _, r := range records {
			if err := ts.CreateRecord(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// sendAll sends the INSERTs of records on the transaction's connection
// (with its pending statements) in one round trip and reads every result:
// errBatchConflict when one of them inserted nothing.
func sendAll(ctx context.Context, tx *txConn, records []vault.Record) error {
	br, err := tx.sendBatch(ctx, func(b *pgx.Batch) {
		for _, r := range records {
			b.Queue(insertRecordSQL, insertRecordArgs(r)...)
		}
	})
	if err != nil {
		return opErr("create records", err)
	}
	conflict := false
	for range records {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			return opErr("create records", err)
		}
		conflict = conflict || tag.RowsAffected() == 0
	}
	if err := br.Close(); err != nil {
		return opErr("create records", err)
	}
	if conflict {
		return errBatchConflict
	}
	return nil
}

// insertRecordSQL inserts one record unless one of its unique keys is taken.
const insertRecordSQL = insertRecordHeldSQL + ` ON CONFLICT DO NOTHING`

// insertRecordHeldSQL inserts one record; a taken key is a unique violation.
const insertRecordHeldSQL = `INSERT INTO records (` + recordColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// insertRecordArgs are insertRecordSQL's arguments for r.
func insertRecordArgs(r vault.Record) []any {
	return []any{r.Tenant, r.Kind, r.ID, nullString(r.Key), r.Parent, blob(r.Data), max(r.Version, 1),
		ts(r.CreatedAt), ts(r.UpdatedAt), nullTS(r.ExpiresAt)}
}
