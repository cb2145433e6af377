// Package sqlite is the embedded vault.Store: one SQLite file in WAL mode,
// written through a single connection and read through a separate pool.
//
// Durability: every connection runs with synchronous=FULL, so a write is on
// disk before it is acknowledged. Transactions begin IMMEDIATE, so a
// transaction never has to upgrade a read lock and cannot fail half-way with
// SQLITE_BUSY; other processes opening the same file wait up to the busy
// timeout. Concurrent Tx calls are group-committed: they run one after
// another in one transaction, each in its own savepoint, and share one
// COMMIT, so many requests cost one sync (see committer).
//
// Every query is prepared once per connection and reused (see stmtCache):
// parsing SQL was a fifth of all CPU before.
//
// Times are stored as INTEGER unix microseconds and come back in UTC,
// truncated to the microsecond; a zero ExpiresAt or RevokedAt is NULL. Empty
// byte slices come back as nil.
package sqlite
