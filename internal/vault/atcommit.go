package vault

// CommitHolder is a Store inside a transaction that can hold new rows back
// and send them with the transaction's next statement or its COMMIT, in
// one round trip (the PostgreSQL store). Store wrappers forward it.
type CommitHolder interface {
	// AtCommit returns the transaction's Store in which CreateCard, and
	// CreateRecord of a record without a Key, return nil at once and send
	// their row later, with the transaction's next statement or its
	// COMMIT. A row that cannot go in (a taken id, even one whose holder
	// has expired) fails that statement or the commit with the row's own
	// error (ErrConflict): the transaction is rolled back and none of its
	// writes is kept. Use it only for rows whose conflict the transaction
	// does not handle, such as rows with new random ids.
	//
	// A holder may hold two checked writes too, whose count the server
	// checks instead of answering it (the audit log's batch): UpdateRecord
	// of a record without a Key returns the record as it will be stored,
	// and DeleteRecordIDs reports every distinct id deleted; when the
	// record is not there at that version, or an id is already gone, the
	// transaction fails with ErrConflict as above.
	AtCommit() Store
}

// AtCommit returns st's AtCommit view when st is a CommitHolder, otherwise
// st itself, whose writes report their errors at once.
func AtCommit(st Store) Store {
	if h, ok := st.(CommitHolder); ok {
		return h.AtCommit()
	}
	return st
}

// AtCommit forwards the view, keeping the integrity tags.
func (g *checkedStore) AtCommit() Store {
	return &checkedStore{Store: AtCommit(g.Store), keys: g.keys, alarm: g.alarm, inTx: g.inTx}
}
