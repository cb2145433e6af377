package audit

// Held writes. On a store that holds writes for the COMMIT
// (vault.CommitHolder: PostgreSQL), a batch writes through the
// transaction's AtCommit view (txBatch.held): its entries, its heads'
// versioned updates and the deletion of the pending events it linked go
// out with its COMMIT, in one round trip after the head (and pending)
// reads, so that a batch of direct events is two round trips instead of
// four. Every check the log relies on stays, made by the server instead of
// read back:
//   - an entry id another node took is a unique violation;
//   - a head that moved from the version the batch read fails its update;
//   - a pending event another node deleted (linked) first fails the delete.
//
// Each aborts the transaction, so the COMMIT is ignored and nothing of the
// batch is written, and the store reports ErrConflict, on which the batch
// reads again and is retried (commitTaking), as before. Record still
// returns only after the COMMIT has returned. On a store without the view
// (SQLite) every write answers at once, as it always did.
