// Package sqlite is the embedded vault.Store: one SQLite file in WAL mode,
// written through a single connection and read through a separate pool.
//
// Durability: every connection runs with synchronous=FULL, so a write is on
// disk before it is acknowledged: in WAL mode each COMMIT appends its pages
// to the log and fsyncs the log before returning (NORMAL would leave that
// sync to the next checkpoint, and a power loss could take acknowledged
// writes). Checkpoints, which copy the log into the database file, run on a
// connection of their own in the background, not inside a commit (see
// checkpoint.go); the writer keeps its statement journals in memory
// (temp_store=MEMORY): they only undo a savepoint, and a crash discards the
// whole uncommitted transaction anyway. Transactions begin IMMEDIATE, so a
// transaction never has to upgrade a read lock and cannot fail half-way with
// SQLITE_BUSY; other processes opening the same file wait up to the busy
// timeout. Concurrent Tx calls are group-committed: they run one after
// another in one transaction, each in its own savepoint, and share one
// COMMIT, so many requests cost one sync (see committer).
//
// Every query is prepared once per connection and reused (see stmtCache):
// parsing SQL was a fifth of all CPU before. Single-row reads, all lookups
// by a unique key, run without their context's cancellation once it has
// been checked.
//
// Times are stored as INTEGER unix microseconds and come back in UTC,
// truncated to the microsecond; a zero ExpiresAt or RevokedAt is NULL. Empty
// byte slices come back as nil.
package sqlite
